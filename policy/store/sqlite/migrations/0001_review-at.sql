ALTER TABLE `endpoints` ADD `review_at` text;--> statement-breakpoint
CREATE INDEX `endpoints_tenant_review` ON `endpoints` (`tenant_id`,`review_at`);
ALTER TABLE `identities` ADD `status` text DEFAULT 'verified' NOT NULL;--> statement-breakpoint
ALTER TABLE `identities` ADD `hold` text;--> statement-breakpoint
CREATE INDEX `identities_tenant_source_refreshed` ON `identities` (`tenant_id`,`source`,`refreshed_at`);
CREATE TABLE `enrollment_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`label` text,
	`endpoint_id` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text,
	`used_by_endpoint_id` text,
	`revoked_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollment_tokens_secret_hash_unique` ON `enrollment_tokens` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `enrollment_tokens_tenant` ON `enrollment_tokens` (`tenant_id`,`created_at`);
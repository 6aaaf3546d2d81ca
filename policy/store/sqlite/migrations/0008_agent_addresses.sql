CREATE TABLE `agent_addresses` (
	`tenant_id` text NOT NULL,
	`ip` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`seen_at` text NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `ip`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `agent_addresses_endpoint` ON `agent_addresses` (`tenant_id`,`endpoint_id`);--> statement-breakpoint
CREATE INDEX `agent_addresses_expires` ON `agent_addresses` (`expires_at`);
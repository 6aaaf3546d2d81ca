CREATE TABLE `network_sessions` (
	`tenant_id` text NOT NULL,
	`key` text NOT NULL,
	`nas` text NOT NULL,
	`nas_address` text NOT NULL,
	`acct_session_id` text,
	`mac` text,
	`framed_ip` text,
	`user_name` text,
	`nas_port` text,
	`vlan` text,
	`placement` text,
	`started_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`stopped_at` text,
	`stop_cause` text,
	PRIMARY KEY(`tenant_id`, `key`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `network_sessions_mac` ON `network_sessions` (`tenant_id`,`mac`);--> statement-breakpoint
CREATE INDEX `network_sessions_ip` ON `network_sessions` (`tenant_id`,`framed_ip`);--> statement-breakpoint
CREATE INDEX `network_sessions_updated` ON `network_sessions` (`updated_at`);
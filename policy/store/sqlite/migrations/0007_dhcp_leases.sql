CREATE TABLE `dhcp_leases` (
	`tenant_id` text NOT NULL,
	`scope` text NOT NULL,
	`ip` text NOT NULL,
	`mac` text NOT NULL,
	`client_id` text,
	`pool` text NOT NULL,
	`state` text NOT NULL,
	`hostname` text,
	`bound_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `scope`, `ip`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `dhcp_leases_mac` ON `dhcp_leases` (`tenant_id`,`mac`);--> statement-breakpoint
CREATE INDEX `dhcp_leases_expires` ON `dhcp_leases` (`expires_at`);
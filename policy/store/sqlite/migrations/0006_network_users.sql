CREATE TABLE `network_users` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`nt_hash` text,
	`lab_password` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);

CREATE TABLE `posture_inventories` (
	`tenant_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`hash` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`endpoint_id`, `hash`),
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `endpoint_posture` ADD `inventory` text;--> statement-breakpoint
ALTER TABLE `posture_snapshots` ADD `inventory` text;
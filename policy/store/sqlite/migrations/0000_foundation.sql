CREATE TABLE `admin_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`username` text NOT NULL,
	`password_hash` text,
	`role` text NOT NULL,
	`ldap_user` text,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_accounts_tenant_username` ON `admin_accounts` (`tenant_id`,`username`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`role` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `admin_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_tokens_tenant` ON `api_tokens` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`actor_kind` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`before` text,
	`after` text,
	`request_id` text,
	`source_ip` text
);
--> statement-breakpoint
CREATE INDEX `audit_tenant_at` ON `audit_log` (`tenant_id`,`id`);--> statement-breakpoint
CREATE TABLE `check_results` (
	`tenant_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`endpoint_seq` integer NOT NULL,
	`check_id` text NOT NULL,
	`status` text NOT NULL,
	`action` text NOT NULL,
	`result` text NOT NULL,
	`evaluated_at` text NOT NULL,
	`failing_since` text,
	PRIMARY KEY(`endpoint_id`, `check_id`),
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `check_results_tenant_check_status` ON `check_results` (`tenant_id`,`check_id`,`status`,`endpoint_seq`);--> statement-breakpoint
CREATE TABLE `definition_feeds` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`format` text NOT NULL,
	`published_at` text,
	`imported_at` text NOT NULL,
	`advisories` integer NOT NULL,
	`forbidden` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `definitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`feed` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `definitions_tenant_feed` ON `definitions` (`tenant_id`,`feed`);--> statement-breakpoint
CREATE TABLE `endpoint_decisions` (
	`endpoint_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`decision` text NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `endpoint_findings` (
	`tenant_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`endpoint_seq` integer NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`version` text,
	`detail` text,
	`first_seen_at` text NOT NULL,
	PRIMARY KEY(`endpoint_id`, `kind`, `name`),
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `endpoint_findings_tenant_name` ON `endpoint_findings` (`tenant_id`,`name`,`kind`,`endpoint_seq`);--> statement-breakpoint
CREATE TABLE `endpoint_posture` (
	`endpoint_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`reported_at` text NOT NULL,
	`received_at` text NOT NULL,
	`facts` text NOT NULL,
	`last_known` text NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `endpoints` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`mac` text,
	`device_id` text,
	`hostname` text,
	`owner` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`credential_hash` text,
	`first_seen_at` text NOT NULL,
	`last_seen_at` text NOT NULL,
	`last_report_at` text,
	`verdict` text NOT NULL,
	`verdict_at` text NOT NULL,
	`policy_id` text,
	`review_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `endpoints_id_unique` ON `endpoints` (`id`);--> statement-breakpoint
CREATE INDEX `endpoints_tenant` ON `endpoints` (`tenant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `endpoints_tenant_mac` ON `endpoints` (`tenant_id`,`mac`);--> statement-breakpoint
CREATE UNIQUE INDEX `endpoints_tenant_device` ON `endpoints` (`tenant_id`,`device_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `endpoints_credential` ON `endpoints` (`credential_hash`);--> statement-breakpoint
CREATE INDEX `endpoints_tenant_verdict_seen` ON `endpoints` (`tenant_id`,`verdict`,`last_seen_at`);--> statement-breakpoint
CREATE INDEX `endpoints_tenant_seen` ON `endpoints` (`tenant_id`,`last_seen_at`);--> statement-breakpoint
CREATE INDEX `endpoints_tenant_hostname` ON `endpoints` (`tenant_id`,`hostname`);--> statement-breakpoint
CREATE INDEX `endpoints_tenant_owner` ON `endpoints` (`tenant_id`,`owner`);--> statement-breakpoint
CREATE INDEX `endpoints_tenant_lhostname` ON `endpoints` (`tenant_id`,lower("hostname"));--> statement-breakpoint
CREATE INDEX `endpoints_tenant_lowner` ON `endpoints` (`tenant_id`,lower("owner"));--> statement-breakpoint
CREATE INDEX `endpoints_tenant_review` ON `endpoints` (`tenant_id`,`review_at`);--> statement-breakpoint
CREATE TABLE `exceptions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`scope_kind` text NOT NULL,
	`scope_value` text NOT NULL,
	`checks` text NOT NULL,
	`reason` text NOT NULL,
	`approver` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`expiry_processed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `exceptions_tenant_expiry` ON `exceptions` (`tenant_id`,`expires_at`);--> statement-breakpoint
CREATE TABLE `identities` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`groups` text DEFAULT '[]' NOT NULL,
	`source` text NOT NULL,
	`refreshed_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_tenant_kind_name` ON `identities` (`tenant_id`,`kind`,`name`);--> statement-breakpoint
CREATE TABLE `identity_groups` (
	`tenant_id` text NOT NULL,
	`identity_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`group_name` text NOT NULL,
	PRIMARY KEY(`identity_id`, `group_name`),
	FOREIGN KEY (`identity_id`) REFERENCES `identities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `identity_groups_tenant_group` ON `identity_groups` (`tenant_id`,`group_name`,`kind`);--> statement-breakpoint
CREATE TABLE `policies` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`precedence` integer NOT NULL,
	`enabled` integer NOT NULL,
	`body` text NOT NULL,
	`revision` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policies_tenant_name` ON `policies` (`tenant_id`,`name`);--> statement-breakpoint
CREATE INDEX `policies_tenant_prec` ON `policies` (`tenant_id`,`precedence`);--> statement-breakpoint
CREATE TABLE `posture_snapshots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`reported_at` text NOT NULL,
	`received_at` text NOT NULL,
	`source` text NOT NULL,
	`facts` text NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `posture_snapshots_endpoint` ON `posture_snapshots` (`tenant_id`,`endpoint_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `posture_snapshots_received` ON `posture_snapshots` (`received_at`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `verdicts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`verdict` text NOT NULL,
	`previous` text,
	`cause` text NOT NULL,
	`decision` text NOT NULL,
	`decided_at` text NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `verdicts_endpoint` ON `verdicts` (`tenant_id`,`endpoint_id`,`id`);
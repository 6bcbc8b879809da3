CREATE TABLE `alert_drafts` (
	`id` text PRIMARY KEY NOT NULL,
	`open_key` text,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`title` text NOT NULL,
	`severity` integer,
	`component_ids` text NOT NULL,
	`rule_id` text,
	`detected_at` integer NOT NULL,
	`acknowledged_at` integer,
	`acknowledged_by` text,
	`escalated_at` integer,
	`dismissed_reason` text,
	`closed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rules`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_drafts_open_key_unique` ON `alert_drafts` (`open_key`);--> statement-breakpoint
CREATE INDEX `alert_drafts_status` ON `alert_drafts` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`position` integer NOT NULL,
	`source` text,
	`matchers` text NOT NULL,
	`component_ids` text NOT NULL,
	`severity` integer,
	`auto_component_status` text,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`draft_id` text NOT NULL,
	`source` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`firing_key` text,
	`status` text NOT NULL,
	`summary` text NOT NULL,
	`description` text,
	`labels` text NOT NULL,
	`links` text NOT NULL,
	`rule_id` text,
	`severity` integer,
	`auto_statuses` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`received_at` integer NOT NULL,
	`resolved_received_at` integer,
	FOREIGN KEY (`draft_id`) REFERENCES `alert_drafts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rules`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_firing_key_unique` ON `alerts` (`firing_key`);--> statement-breakpoint
CREATE INDEX `alerts_draft` ON `alerts` (`draft_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `alerts_source_key` ON `alerts` (`source`,`dedupe_key`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `detection_source` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `detected_at` integer;--> statement-breakpoint
ALTER TABLE `incidents` ADD `acknowledged_at` integer;--> statement-breakpoint
ALTER TABLE `incidents` ADD `acknowledged_by` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `alert_draft_id` text REFERENCES alert_drafts(id) ON DELETE SET NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_alert_draft_id_unique` ON `incidents` (`alert_draft_id`);--> statement-breakpoint
ALTER TABLE `settings` ADD `alert_escalation_minutes` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `settings` ADD `alert_escalation_user_ids` text;
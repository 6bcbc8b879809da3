CREATE TABLE `destination_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`destination_id` text NOT NULL,
	`kind` text NOT NULL,
	`incident_id` text,
	`message` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`due_at` integer NOT NULL,
	`lease` text,
	`response_status` integer,
	`latency_ms` integer,
	`error` text,
	`last_attempt_at` integer,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`destination_id`) REFERENCES `destinations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `destination_deliveries_message_id_unique` ON `destination_deliveries` (`message_id`);--> statement-breakpoint
CREATE INDEX `destination_deliveries_status_due` ON `destination_deliveries` (`status`,`due_at`);--> statement-breakpoint
CREATE INDEX `destination_deliveries_destination` ON `destination_deliveries` (`destination_id`,`id`);--> statement-breakpoint
CREATE INDEX `destination_deliveries_incident` ON `destination_deliveries` (`incident_id`);--> statement-breakpoint
CREATE TABLE `destinations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`url` text NOT NULL,
	`signing_secret` text,
	`severities` text,
	`component_ids` text,
	`allow_private` integer DEFAULT false NOT NULL,
	`paused_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `incident_roles` (
	`incident_id` text NOT NULL,
	`role` text NOT NULL,
	`user_id` text,
	`name` text NOT NULL,
	`assigned_at` integer NOT NULL,
	`assigned_by` text NOT NULL,
	PRIMARY KEY(`incident_id`, `role`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `incident_roles_user` ON `incident_roles` (`user_id`);--> statement-breakpoint
CREATE TABLE `internal_updates` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`at` integer NOT NULL,
	`author` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `internal_updates_incident_at` ON `internal_updates` (`incident_id`,`at`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `war_room_url` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `runbook_url` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `dashboard_url` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `internal_reminded_at` integer;--> statement-breakpoint
ALTER TABLE `settings` ADD `internal_cadence` text;--> statement-breakpoint
ALTER TABLE `settings` ADD `internal_reminders` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `templates` ADD `audience` text DEFAULT 'public' NOT NULL;
CREATE TABLE `action_items` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`title` text NOT NULL,
	`owner_user_id` text,
	`owner_name` text,
	`priority` text NOT NULL,
	`due_at` integer,
	`status` text NOT NULL,
	`reason` text,
	`url` text,
	`done_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`owner_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `action_items_incident` ON `action_items` (`incident_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `action_items_status_due` ON `action_items` (`status`,`due_at`);--> statement-breakpoint
CREATE TABLE `postmortems` (
	`incident_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`due_at` integer,
	`owner_user_id` text,
	`owner_name` text,
	`body` text NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`published_at` integer,
	`public_body` text,
	`public_published_at` integer,
	`public_updated_at` integer,
	`reminded_due_soon_at` integer,
	`reminded_overdue_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`owner_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `postmortems_state_due` ON `postmortems` (`state`,`due_at`);--> statement-breakpoint
CREATE TABLE `timeline_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`marker` text,
	`text` text NOT NULL,
	`who` text,
	`author` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `timeline_entries_incident_at` ON `timeline_entries` (`incident_id`,`at`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `marker_times` text;--> statement-breakpoint
ALTER TABLE `settings` ADD `postmortem_due_hours` text;--> statement-breakpoint
ALTER TABLE `settings` ADD `postmortem_template` text;--> statement-breakpoint
CREATE INDEX `audit_log_target` ON `audit_log` (`target_type`,`target_id`,`at`);
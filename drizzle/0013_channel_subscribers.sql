CREATE TABLE `channel_subscribers` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`url` text NOT NULL,
	`contact_email` text NOT NULL,
	`status` text NOT NULL,
	`secret` text NOT NULL,
	`signing_secret` text,
	`all_components` integer DEFAULT true NOT NULL,
	`component_ids` text DEFAULT '[]' NOT NULL,
	`group_ids` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`confirmed_at` integer,
	`last_notice_at` integer,
	`last_success_at` integer,
	`last_failure_at` integer,
	`last_failure_status` integer,
	`last_failure_error` text,
	`failing_since` integer,
	`disabled_at` integer,
	`disabled_notice_at` integer
);
--> statement-breakpoint
CREATE INDEX `channel_subscribers_status` ON `channel_subscribers` (`status`);--> statement-breakpoint
CREATE INDEX `channel_subscribers_contact` ON `channel_subscribers` (`contact_email`);--> statement-breakpoint
CREATE UNIQUE INDEX `channel_subscribers_url` ON `channel_subscribers` (`url`);--> statement-breakpoint
CREATE TABLE `customer_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`notice_id` text NOT NULL,
	`subscriber_id` text NOT NULL,
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
	FOREIGN KEY (`notice_id`) REFERENCES `customer_notices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subscriber_id`) REFERENCES `channel_subscribers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_deliveries_message_id_unique` ON `customer_deliveries` (`message_id`);--> statement-breakpoint
CREATE INDEX `customer_deliveries_status_due` ON `customer_deliveries` (`status`,`due_at`);--> statement-breakpoint
CREATE INDEX `customer_deliveries_subscriber` ON `customer_deliveries` (`subscriber_id`,`id`);--> statement-breakpoint
CREATE INDEX `customer_deliveries_notice_status` ON `customer_deliveries` (`notice_id`,`status`);--> statement-breakpoint
CREATE TABLE `customer_notices` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`update_id` text,
	`component_id` text,
	`old_status` text,
	`new_status` text,
	`state` text NOT NULL,
	`due_at` integer NOT NULL,
	`cursor` text DEFAULT '' NOT NULL,
	`email_cursor` text DEFAULT '' NOT NULL,
	`payload` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`update_id`) REFERENCES `incident_updates`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `customer_notices_state_due` ON `customer_notices` (`state`,`due_at`);--> statement-breakpoint
CREATE INDEX `customer_notices_update` ON `customer_notices` (`update_id`);--> statement-breakpoint
CREATE INDEX `customer_notices_component_state` ON `customer_notices` (`component_id`,`state`);--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `notice_id` text REFERENCES customer_notices(id) ON DELETE cascade;--> statement-breakpoint
CREATE INDEX `mail_outbox_notice` ON `mail_outbox` (`notice_id`) WHERE notice_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `settings` ADD `component_notifications` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `settings` ADD `component_flap_window_seconds` integer DEFAULT 120 NOT NULL;--> statement-breakpoint
ALTER TABLE `settings` ADD `channel_disable_after_hours` integer DEFAULT 72 NOT NULL;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `component_updates` integer DEFAULT false NOT NULL;
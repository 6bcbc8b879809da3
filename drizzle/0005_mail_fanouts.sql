CREATE TABLE `mail_delivery_totals` (
	`update_id` text NOT NULL,
	`status` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`update_id`, `status`),
	FOREIGN KEY (`update_id`) REFERENCES `incident_updates`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mail_fanouts` (
	`update_id` text PRIMARY KEY NOT NULL,
	`cursor` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`update_id`) REFERENCES `incident_updates`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP INDEX `mail_outbox_batch`;--> statement-breakpoint
CREATE INDEX `mail_outbox_batch` ON `mail_outbox` (`batch_id`) WHERE batch_id IS NOT NULL;
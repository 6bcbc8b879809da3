-- Edited after drizzle-kit generate: the old table has no kind column, so its rows are copied as kind 'update'.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_mail_fanouts` (
	`update_id` text NOT NULL,
	`kind` text DEFAULT 'update' NOT NULL,
	`cursor` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`update_id`, `kind`),
	FOREIGN KEY (`update_id`) REFERENCES `incident_updates`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_mail_fanouts`("update_id", "kind", "cursor", "created_at") SELECT "update_id", 'update', "cursor", "created_at" FROM `mail_fanouts`;--> statement-breakpoint
DROP TABLE `mail_fanouts`;--> statement-breakpoint
ALTER TABLE `__new_mail_fanouts` RENAME TO `mail_fanouts`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `postmortems` ADD `emailed_at` integer;
CREATE TABLE `edge_purges` (
	`id` text PRIMARY KEY NOT NULL,
	`urls` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`due_at` integer NOT NULL,
	`lease_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`done_at` integer
);
--> statement-breakpoint
CREATE INDEX `edge_purges_due` ON `edge_purges` (`status`,`due_at`);
ALTER TABLE `incidents` ADD `sequence` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Calendars already hold SEQUENCE = seconds between creation and the last change
-- (what /maintenance.ics sent before); a SEQUENCE that went down would make them
-- ignore the next change, so existing events count on from there.
UPDATE `incidents` SET `sequence` = MAX(0, (`updated_at` - `created_at`) / 1000);

-- Every change to what the public page shows bumps meta.revision, so cached
-- renders (in any process, on any runtime) know they are stale. Triggers keep
-- this true for every writer, including the admin CLI and hand-run SQL.
INSERT INTO `meta` (`key`, `value`) VALUES ('revision', '0');
--> statement-breakpoint
CREATE TRIGGER `settings_insert_revision` AFTER INSERT ON `settings` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `settings_update_revision` AFTER UPDATE ON `settings` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `settings_delete_revision` AFTER DELETE ON `settings` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `component_groups_insert_revision` AFTER INSERT ON `component_groups` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `component_groups_update_revision` AFTER UPDATE ON `component_groups` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `component_groups_delete_revision` AFTER DELETE ON `component_groups` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `components_insert_revision` AFTER INSERT ON `components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `components_update_revision` AFTER UPDATE ON `components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `components_delete_revision` AFTER DELETE ON `components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `component_status_changes_insert_revision` AFTER INSERT ON `component_status_changes` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `component_status_changes_update_revision` AFTER UPDATE ON `component_status_changes` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `component_status_changes_delete_revision` AFTER DELETE ON `component_status_changes` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incidents_insert_revision` AFTER INSERT ON `incidents` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incidents_update_revision` AFTER UPDATE ON `incidents` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incidents_delete_revision` AFTER DELETE ON `incidents` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_components_insert_revision` AFTER INSERT ON `incident_components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_components_update_revision` AFTER UPDATE ON `incident_components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_components_delete_revision` AFTER DELETE ON `incident_components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_updates_insert_revision` AFTER INSERT ON `incident_updates` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_updates_update_revision` AFTER UPDATE ON `incident_updates` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_updates_delete_revision` AFTER DELETE ON `incident_updates` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_update_components_insert_revision` AFTER INSERT ON `incident_update_components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_update_components_update_revision` AFTER UPDATE ON `incident_update_components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;
--> statement-breakpoint
CREATE TRIGGER `incident_update_components_delete_revision` AFTER DELETE ON `incident_update_components` BEGIN UPDATE `meta` SET `value` = CAST(`value` AS INTEGER) + 1 WHERE `key` = 'revision'; END;

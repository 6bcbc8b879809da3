import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import {
  ANY_INCIDENT_STATUSES,
  COMPONENT_STATUSES,
  IMPACTS,
  INCIDENT_KINDS,
} from '../domain/constants.js';

/*
 * Times are integer milliseconds since the epoch (UTC). Public ids are random
 * 12-character strings (see lib/ids.ts) so URLs and API ids are not guessable
 * sequences; internal-only rows use integer keys.
 */

/** Key/value state of the installation (revision counter, first-start marker). */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** The page's settings: always exactly one row, id 1. */
export const settings = sqliteTable('settings', {
  id: integer('id').primaryKey(),
  pageId: text('page_id').notNull(),
  name: text('name').notNull(),
  url: text('url').notNull(),
  timeZone: text('time_zone').notNull(),
  logoUrl: text('logo_url'),
  accentColor: text('accent_color').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const componentGroups = sqliteTable('component_groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  position: integer('position').notNull(),
  example: integer('example', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const components = sqliteTable(
  'components',
  {
    id: text('id').primaryKey(),
    groupId: text('group_id').references(() => componentGroups.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    description: text('description'),
    position: integer('position').notNull(),
    status: text('status', { enum: COMPONENT_STATUSES }).notNull(),
    hidden: integer('hidden', { mode: 'boolean' }).notNull().default(false),
    onlyShowIfDegraded: integer('only_show_if_degraded', { mode: 'boolean' }).notNull().default(false),
    /** When the component started being tracked; uptime before it has no data. */
    startedAt: integer('started_at').notNull(),
    example: integer('example', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('components_group_position').on(t.groupId, t.position)],
);

/** Every status a component has been in, from when. Uptime and bars come from here. */
export const componentStatusChanges = sqliteTable(
  'component_status_changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
    status: text('status', { enum: COMPONENT_STATUSES }).notNull(),
    at: integer('at').notNull(),
    incidentId: text('incident_id').references(() => incidents.id, { onDelete: 'set null' }),
  },
  (t) => [index('component_status_changes_component_at').on(t.componentId, t.at)],
);

export const incidents = sqliteTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: INCIDENT_KINDS }).notNull(),
    title: text('title').notNull(),
    /** 1..4 for incidents; null for maintenance. */
    severity: integer('severity'),
    impact: text('impact', { enum: IMPACTS }).notNull(),
    status: text('status', { enum: ANY_INCIDENT_STATUSES }).notNull(),
    startedAt: integer('started_at').notNull(),
    monitoringAt: integer('monitoring_at'),
    resolvedAt: integer('resolved_at'),
    scheduledFor: integer('scheduled_for'),
    scheduledUntil: integer('scheduled_until'),
    example: integer('example', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('incidents_kind_status').on(t.kind, t.status),
    index('incidents_started_at').on(t.startedAt),
    index('incidents_kind_started_at').on(t.kind, t.startedAt),
    index('incidents_scheduled_for').on(t.scheduledFor),
  ],
);

/** Components an incident affects. */
export const incidentComponents = sqliteTable(
  'incident_components',
  {
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.componentId] }), index('incident_components_component').on(t.componentId)],
);

export const incidentUpdates = sqliteTable(
  'incident_updates',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ANY_INCIDENT_STATUSES }).notNull(),
    /** Markdown, rendered and sanitized on output. */
    body: text('body').notNull(),
    /** When the update was published (shown to customers; kept on edits). */
    at: integer('at').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('incident_updates_incident_at').on(t.incidentId, t.at)],
);

/** Component status changes an update made (Statuspage's affected_components). */
export const incidentUpdateComponents = sqliteTable(
  'incident_update_components',
  {
    updateId: text('update_id')
      .notNull()
      .references(() => incidentUpdates.id, { onDelete: 'cascade' }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
    oldStatus: text('old_status', { enum: COMPONENT_STATUSES }).notNull(),
    newStatus: text('new_status', { enum: COMPONENT_STATUSES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.updateId, t.componentId] })],
);

export type SettingsRow = typeof settings.$inferSelect;
export type ComponentGroupRow = typeof componentGroups.$inferSelect;
export type ComponentRow = typeof components.$inferSelect;
export type IncidentRow = typeof incidents.$inferSelect;
export type IncidentUpdateRow = typeof incidentUpdates.$inferSelect;
export type IncidentUpdateComponentRow = typeof incidentUpdateComponents.$inferSelect;

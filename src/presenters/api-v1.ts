import type { AnyIncidentStatus, ComponentStatus, Impact, IncidentKind, Severity } from '../domain/constants.js';
import { effectiveStatus } from '../domain/lifecycle.js';
import { placeholdersIn } from '../domain/templates.js';
import type { IncidentDetail, UpdateDetail } from '../db/repos/incidents-repo.js';
import type { ComponentGroupRow, ComponentRow, SettingsRow, TemplateRow } from '../db/schema.js';

/*
 * Management API (/api/v1) representations: snake_case keys, Herald's public
 * ids, ISO 8601 times (UTC). Pure: rows in, plain objects out. The zod
 * schemas in routes/api-v1/schemas.ts document these shapes, and the tests
 * check every response against them.
 */

export interface ApiComponentChange {
  component_id: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

export interface ApiIncidentUpdate {
  id: string;
  status: AnyIncidentStatus;
  body: string;
  at: string;
  created_at: string;
  updated_at: string;
  component_changes: ApiComponentChange[];
}

export interface ApiIncident {
  id: string;
  kind: IncidentKind;
  title: string;
  status: AnyIncidentStatus;
  severity: Severity | null;
  impact: Impact;
  notify: boolean;
  next_update_at: string | null;
  started_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  scheduled_for: string | null;
  scheduled_until: string | null;
  created_at: string;
  updated_at: string;
  url: string;
  component_ids: string[];
  updates: ApiIncidentUpdate[];
}

export interface ApiPagination {
  page: number;
  per_page: number;
  has_more: boolean;
  next_page: number | null;
}

export interface ApiComponent {
  id: string;
  name: string;
  description: string | null;
  group_id: string | null;
  position: number;
  status: ComponentStatus;
  hidden: boolean;
  only_show_if_degraded: boolean;
  started_at: string;
  created_at: string;
  updated_at: string;
}

export interface ApiComponentGroup {
  id: string;
  name: string;
  description: string | null;
  position: number;
  component_ids: string[];
  created_at: string;
  updated_at: string;
}

export interface ApiSettings {
  page_id: string;
  name: string;
  url: string;
  time_zone: string;
  logo_url: string | null;
  accent_color: string;
  created_at: string;
  updated_at: string;
}

export interface ApiTemplate {
  id: string;
  name: string;
  kind: IncidentKind;
  status: AnyIncidentStatus;
  title: string | null;
  body: string;
  position: number;
  placeholders: string[];
  created_at: string;
  updated_at: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function presentApiUpdate(update: UpdateDetail): ApiIncidentUpdate {
  return {
    id: update.id,
    status: update.status,
    body: update.body,
    at: iso(update.at),
    created_at: iso(update.createdAt),
    updated_at: iso(update.updatedAt),
    component_changes: update.componentChanges.map((change) => ({
      component_id: change.componentId,
      old_status: change.oldStatus,
      new_status: change.newStatus,
    })),
  };
}

/**
 * An incident or a maintenance with all its updates (newest first). `status`
 * is what the page shows at `now`: a maintenance moves to in progress and
 * completed with its window.
 */
export function presentApiIncident(incident: IncidentDetail, baseUrl: string, now: number): ApiIncident {
  return {
    id: incident.id,
    kind: incident.kind,
    title: incident.title,
    status: effectiveStatus(incident, now),
    severity: incident.kind === 'incident' ? ((incident.severity ?? null) as Severity | null) : null,
    impact: incident.impact,
    notify: incident.notify,
    next_update_at: isoOrNull(incident.nextUpdateAt),
    started_at: iso(incident.startedAt),
    monitoring_at: isoOrNull(incident.monitoringAt),
    resolved_at: isoOrNull(incident.resolvedAt),
    scheduled_for: isoOrNull(incident.scheduledFor),
    scheduled_until: isoOrNull(incident.scheduledUntil),
    created_at: iso(incident.createdAt),
    updated_at: iso(incident.updatedAt),
    url: `${baseUrl}/incidents/${incident.id}`,
    component_ids: [...incident.componentIds].sort(),
    updates: incident.updates.map(presentApiUpdate),
  };
}

/** Page-number pagination; `hasMore` comes from fetching one row more than the page holds. */
export function presentApiPagination(page: number, perPage: number, hasMore: boolean): ApiPagination {
  return { page, per_page: perPage, has_more: hasMore, next_page: hasMore ? page + 1 : null };
}

export function presentApiComponent(row: ComponentRow): ApiComponent {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    group_id: row.groupId,
    position: row.position,
    status: row.status,
    hidden: row.hidden,
    only_show_if_degraded: row.onlyShowIfDegraded,
    started_at: iso(row.startedAt),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** A group with the ids of its components, in their order. */
export function presentApiGroup(row: ComponentGroupRow, components: readonly ComponentRow[]): ApiComponentGroup {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    position: row.position,
    component_ids: components.filter((c) => c.groupId === row.id).map((c) => c.id),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export function presentApiSettings(row: SettingsRow): ApiSettings {
  return {
    page_id: row.pageId,
    name: row.name,
    url: row.url,
    time_zone: row.timeZone,
    logo_url: row.logoUrl,
    accent_color: row.accentColor,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export function presentApiTemplate(row: TemplateRow): ApiTemplate {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    status: row.status,
    title: row.title,
    body: row.body,
    position: row.position,
    placeholders: placeholdersIn(`${row.title ?? ''}\n${row.body}`),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

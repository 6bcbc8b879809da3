import type { ChannelDeliveryCounts } from '../db/repos/channel-admin-repo.js';
import { presentApiChannelDeliveryCounts } from './api-v1-channel-models.js';
import { internalCadenceTable } from '../domain/cadence.js';
import { INCIDENT_ROLES, type Severity } from '../domain/constants.js';
import { effectiveStatus } from '../domain/lifecycle.js';
import { placeholdersIn } from '../domain/templates.js';
import { DEFAULT_POSTMORTEM_TEMPLATE, postmortemDueTable } from '../services/postmortems/postmortems.js';
import type { IncidentDetail, UpdateDetail } from '../db/repos/incidents-repo.js';
import type { DeliveryCounts } from '../db/repos/outbox-repo.js';
import type { FailedDeliveryView } from '../services/notifications/deliveries.js';
import type { ComponentGroupRow, ComponentRow, IncidentRoleRow, InternalUpdateRow, SettingsRow, SubscriberRow, TemplateRow } from '../db/schema.js';
import type { ImportReport } from '../services/subscribers/manage.js';
import type {
  ApiCursorPagination,
  ApiDeliveries,
  ApiImportReport,
  ApiOutbox,
  ApiSubscriber,
  ApiUpdateDelivery,
} from './api-v1-mail-models.js';
import type {
  ApiComponent,
  ApiComponentGroup,
  ApiIncident,
  ApiIncidentLinks,
  ApiIncidentRoles,
  ApiIncidentUpdate,
  ApiInternalUpdate,
  ApiPagination,
  ApiSettings,
  ApiTemplate,
} from './api-v1-models.js';

/*
 * Management API (/api/v1) representations: snake_case keys, Herald's public
 * ids, ISO 8601 times (UTC). Pure: rows in, plain objects out. Each shape is
 * defined once, as a zod schema in api-v1-models.ts / api-v1-mail-models.ts
 * (which the OpenAPI document and the tests use too); the types here are
 * inferred from it.
 */

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

/** The internal links as the API shows them: null when not set. */
export function presentApiLinks(incident: Pick<IncidentDetail, 'warRoomUrl' | 'runbookUrl' | 'dashboardUrl'>): ApiIncidentLinks {
  return { war_room_url: incident.warRoomUrl, runbook_url: incident.runbookUrl, dashboard_url: incident.dashboardUrl };
}

/**
 * An incident or a maintenance with all its updates (newest first). `status`
 * is what the page shows at `now`: a maintenance moves to in progress and
 * completed with its window.
 */
/** The roles as the API shows them: every role, null when unassigned. */
export function presentApiRoles(rows: readonly IncidentRoleRow[]): ApiIncidentRoles {
  const byRole = new Map(rows.map((r) => [r.role, r]));
  return Object.fromEntries(
    INCIDENT_ROLES.map((role) => {
      const r = byRole.get(role);
      return [role, r ? { user_id: r.userId, name: r.name, assigned_at: iso(r.assignedAt), assigned_by: r.assignedBy } : null];
    }),
  ) as ApiIncidentRoles;
}

export function presentApiInternalUpdate(row: InternalUpdateRow): ApiInternalUpdate {
  return { id: row.id, incident_id: row.incidentId, status: row.status, body: row.body, at: iso(row.at), author: row.author, created_at: iso(row.createdAt) };
}

/** An incident with its roles (the rows of this incident; none for maintenance). */
export function presentApiIncident(incident: IncidentDetail, baseUrl: string, now: number, roles: readonly IncidentRoleRow[]): ApiIncident {
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
    roles: presentApiRoles(roles),
    links: presentApiLinks(incident),
    detection_source: incident.detectionSource,
    detected_at: isoOrNull(incident.detectedAt),
    acknowledged_at: isoOrNull(incident.acknowledgedAt),
    acknowledged_by: incident.acknowledgedBy,
    alert_draft_id: incident.alertDraftId,
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
    internal_cadence: internalCadenceTable(row.internalCadence),
    internal_cadence_is_default: row.internalCadence === null,
    internal_reminders: row.internalReminders,
    alert_escalation_minutes: row.alertEscalationMinutes,
    alert_escalation_user_ids: row.alertEscalationUserIds,
    postmortem_due_hours: postmortemDueTable(row.postmortemDueHours),
    postmortem_due_hours_is_default: row.postmortemDueHours === null,
    postmortem_template: row.postmortemTemplate ?? DEFAULT_POSTMORTEM_TEMPLATE,
    postmortem_template_is_default: row.postmortemTemplate === null,
    component_notifications: row.componentNotifications,
    component_flap_window_seconds: row.componentFlapWindowSeconds,
    channel_disable_after_hours: row.channelDisableAfterHours,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export function presentApiTemplate(row: TemplateRow): ApiTemplate {
  return {
    id: row.id,
    name: row.name,
    audience: row.audience,
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

/**
 * A subscriber with what they chose: every component, or the components and
 * groups listed (empty lists when `all_components`). The secret of their
 * links is never shown.
 */
export function presentApiSubscriber(
  row: SubscriberRow,
  scope: { componentIds: readonly string[]; groupIds: readonly string[] } | undefined,
): ApiSubscriber {
  const chosen = row.allComponents ? undefined : scope;
  return {
    id: row.id,
    email: row.email,
    status: row.status,
    reason: row.status === 'suppressed' ? row.reason : null,
    source: row.source,
    all_components: row.allComponents,
    component_ids: [...(chosen?.componentIds ?? [])].sort(),
    group_ids: [...(chosen?.groupIds ?? [])].sort(),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    confirmed_at: isoOrNull(row.confirmedAt),
  };
}

/** Cursor pagination (keyset): `next_after` is passed back as `after` for the next page. */
export function presentApiCursor(perPage: number, next: string | null): ApiCursorPagination {
  return { per_page: perPage, has_more: next !== null, next_after: next };
}

export function presentApiImportReport(report: ImportReport): ApiImportReport {
  return {
    added: report.added,
    existing: report.existing,
    duplicates: report.duplicates,
    invalid: report.invalid.map((i) => ({ line: i.line, value: i.value, reason: i.reason })),
    invalid_count: report.invalidCount,
  };
}

/**
 * Email delivery of an incident's updates (newest first, every update, zeros
 * when it sent none): queued counts the emails being sent too.
 */
export function presentApiDeliveries(
  incident: Pick<IncidentDetail, 'id' | 'updates'>,
  counts: ReadonlyMap<string, DeliveryCounts>,
  failures: readonly FailedDeliveryView[],
  transport: string | null,
  channelCounts: ReadonlyMap<string, ChannelDeliveryCounts>,
): ApiDeliveries {
  const updates = incident.updates.map((update): ApiUpdateDelivery => {
    const c = counts.get(update.id);
    const queued = (c?.queued ?? 0) + (c?.sending ?? 0);
    const sent = c?.sent ?? 0;
    const failed = c?.failed ?? 0;
    const skipped = c?.skipped ?? 0;
    const preparing = c?.preparing ?? false;
    const channels = presentApiChannelDeliveryCounts(channelCounts.get(update.id));
    return { update_id: update.id, status: update.status, at: iso(update.at), preparing, queued, sent, failed, skipped, total: queued + sent + failed + skipped, channels };
  });
  const channelWaiting = (u: ApiUpdateDelivery) => Object.values(u.channels).some((c) => c.queued + c.sending > 0);
  return {
    incident_id: incident.id,
    in_progress: updates.some((u) => u.preparing || u.queued > 0 || channelWaiting(u)),
    transport,
    updates,
    latest_failures: failures.map((f) => ({ update_id: f.updateId, email: f.email, reason: f.error, at: isoOrNull(f.failedAt) })),
  };
}

export function presentApiOutbox(counts: DeliveryCounts, oldestWaiting: number | null, transport: string | null): ApiOutbox {
  return {
    counts: { queued: counts.queued, sending: counts.sending, sent: counts.sent, failed: counts.failed, skipped: counts.skipped },
    preparing: counts.preparing,
    oldest_waiting_at: isoOrNull(oldestWaiting),
    transport,
  };
}

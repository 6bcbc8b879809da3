import { z } from 'zod';
import type { AlertRow, AlertRuleRow } from '../db/schema.js';
import { ALERT_SOURCES, ALERT_STATUSES, COMPONENT_STATUSES, DRAFT_STATUSES, SEVERITIES, type Severity } from '../domain/constants.js';
import type { DraftDetail } from '../services/alerts/drafts.js';
import type { IngestResult } from '../services/alerts/intake.js';
import { Id, model, Time } from './api-v1-models.js';

/*
 * The management API's alert models (see api-v1-models.ts: one zod
 * definition each, types inferred) and the mapping to them: what an intake
 * request did, draft incidents with their alerts, and alert rules.
 */

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const Severity = z.union(SEVERITIES.map((s) => z.literal(s)));

export const AlertIntakeResultModel = model(
  'AlertIntakeResult',
  z.strictObject({
    received: z.number().int().describe('Alerts in the request'),
    firing: z.number().int().describe('New firing alerts recorded'),
    repeated: z.number().int().describe('Alerts already firing: nothing changed (Alertmanager repeats every repeat_interval)'),
    resolved: z.number().int().describe('Firing alerts this request resolved'),
    ignored: z.number().int().describe('Resolutions of alerts not firing here (unknown or already resolved), and beats that change nothing'),
    opened: z.array(Id).describe('Draft incidents this request opened'),
    drafts: z.array(Id).describe("Every draft the request's alerts are on"),
    test: z.boolean().describe("True for a source's test notification (Uptime Kuma's Test button): accepted, nothing recorded"),
  }),
);
export type ApiAlertIntakeResult = z.input<typeof AlertIntakeResultModel>;

export function presentIntakeResult(result: IngestResult, test = false): ApiAlertIntakeResult {
  return { ...result, test };
}

const AUTO_STATUSES = COMPONENT_STATUSES.filter((s) => s !== 'operational' && s !== 'under_maintenance') as [
  'degraded_performance',
  'partial_outage',
  'major_outage',
];

export const AlertModel = model(
  'Alert',
  z
    .strictObject({
      id: Id,
      source: z.enum(ALERT_SOURCES),
      key: z.string().describe("The deduplication key: Alertmanager's or Grafana's fingerprint, Uptime Kuma's monitor id, the generic key"),
      status: z.enum(ALERT_STATUSES),
      summary: z.string(),
      description: z.string().nullable(),
      labels: z.record(z.string(), z.string()),
      links: z.array(z.strictObject({ label: z.string(), url: z.string() })).describe('Links the payload carried: the source graph, dashboard, runbook, silence'),
      rule_id: Id.nullable().describe('The rule that mapped it; null: no rule matched'),
      severity: Severity.nullable().describe("Suggested by its rule, or the payload's own"),
      auto_statuses: z
        .record(Id, z.strictObject({ before: z.enum(COMPONENT_STATUSES), set: z.enum(COMPONENT_STATUSES) }))
        .nullable()
        .describe("Component statuses it moved (a rule's auto_component_status), by component id: put back to before when it resolves"),
      starts_at: Time,
      ends_at: Time.nullable(),
      received_at: Time,
      resolved_received_at: Time.nullable(),
    })
    .describe('One alert episode: from firing to resolved, under one deduplication key'),
);

export const AlertDraftModel = model(
  'AlertDraft',
  z
    .strictObject({
      id: Id,
      status: z
        .enum(DRAFT_STATUSES)
        .describe('open: unacknowledged; acknowledged; declared: an incident was declared from it; dismissed: not an incident; resolved: its alerts resolved on their own'),
      source: z.enum(ALERT_SOURCES),
      title: z.string().describe("The first alert's summary"),
      severity: Severity.nullable().describe('The most severe severity its rules suggest; null: none'),
      component_ids: z.array(Id),
      rule_id: Id.nullable(),
      detected_at: Time.describe('The earliest start of its alerts'),
      acknowledged_at: Time.nullable(),
      acknowledged_by: z.string().nullable().describe('Who acknowledged it, as the audit log names them'),
      escalated_at: Time.nullable().describe('When it was announced again, unacknowledged'),
      dismissed_reason: z.string().nullable(),
      closed_at: Time.nullable(),
      created_at: Time,
      updated_at: Time,
      incident_id: Id.nullable().describe('The incident declared from it'),
      firing_count: z.number().int().describe('How many of its alerts still fire'),
      alerts: z.array(AlertModel).describe('Oldest first'),
      admin_url: z.string().describe('The draft in the admin (acknowledge, declare, dismiss)'),
      declare_url: z.string().describe('The admin declare form, pre-filled from the draft'),
    })
    .describe('A draft incident opened by firing alerts: never public, never emailed'),
);

export const AlertDraftListModel = model(
  'AlertDraftList',
  z.strictObject({
    waiting: z.array(AlertDraftModel).describe('Open and acknowledged drafts, oldest first'),
    recent: z.array(AlertDraftModel).describe('The most recent other drafts (declared, dismissed, resolved), newest first'),
  }),
);

export const AlertRuleModel = model(
  'AlertRule',
  z
    .strictObject({
      id: Id,
      name: z.string(),
      position: z.number().int().describe('1-based place in the order rules are tried (first match wins)'),
      source: z.enum(ALERT_SOURCES).nullable().describe('Only alerts from this source; null: any'),
      matchers: z.record(z.string(), z.string()).describe('Label name -> exact value; every one must equal the alert’s label'),
      components: z.array(Id).describe('Component ids the alerts map to'),
      severity: Severity.nullable().describe('The suggested severity; null: none'),
      auto_component_status: z
        .enum(AUTO_STATUSES)
        .nullable()
        .describe('Opt-in: the components take this status while the alert fires, and go back when it resolves; null: off'),
      enabled: z.boolean(),
      created_at: Time,
      updated_at: Time,
    })
    .describe('Maps alerts (by labels) to components and a suggested severity'),
);

export const AlertRuleListModel = model('AlertRuleList', z.strictObject({ data: z.array(AlertRuleModel).describe('In order') }));

export type ApiAlert = z.output<typeof AlertModel>;
export type ApiAlertDraft = z.output<typeof AlertDraftModel>;
export type ApiAlertRule = z.output<typeof AlertRuleModel>;

export function presentApiAlert(row: AlertRow): ApiAlert {
  return {
    id: row.id,
    source: row.source,
    key: row.dedupeKey,
    status: row.status,
    summary: row.summary,
    description: row.description,
    labels: row.labels,
    links: row.links,
    rule_id: row.ruleId,
    severity: row.severity as Severity | null,
    auto_statuses: row.autoStatuses,
    starts_at: iso(row.startsAt),
    ends_at: isoOrNull(row.endsAt),
    received_at: iso(row.receivedAt),
    resolved_received_at: isoOrNull(row.resolvedReceivedAt),
  };
}

/** A draft with its alerts; `links` are its admin pages (services/alerts/announce.ts draftLinks). */
export function presentApiDraft(draft: DraftDetail, links: { admin: string; declare: string }): ApiAlertDraft {
  return {
    id: draft.id,
    status: draft.status,
    source: draft.source,
    title: draft.title,
    severity: draft.severity as Severity | null,
    component_ids: draft.componentIds,
    rule_id: draft.ruleId,
    detected_at: iso(draft.detectedAt),
    acknowledged_at: isoOrNull(draft.acknowledgedAt),
    acknowledged_by: draft.acknowledgedBy,
    escalated_at: isoOrNull(draft.escalatedAt),
    dismissed_reason: draft.dismissedReason,
    closed_at: isoOrNull(draft.closedAt),
    created_at: iso(draft.createdAt),
    updated_at: iso(draft.updatedAt),
    incident_id: draft.incidentId,
    firing_count: draft.firingCount,
    alerts: draft.alerts.map(presentApiAlert),
    admin_url: links.admin,
    declare_url: links.declare,
  };
}

export function presentApiRule(rule: AlertRuleRow): ApiAlertRule {
  return {
    id: rule.id,
    name: rule.name,
    position: rule.position,
    source: rule.source,
    matchers: rule.matchers,
    components: rule.componentIds,
    severity: rule.severity as Severity | null,
    auto_component_status: rule.autoComponentStatus as ApiAlertRule['auto_component_status'],
    enabled: rule.enabled,
    created_at: iso(rule.createdAt),
    updated_at: iso(rule.updatedAt),
  };
}

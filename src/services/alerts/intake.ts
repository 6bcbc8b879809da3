import type { Statement } from '../../db/database.js';
import type { DraftWithIncident } from '../../db/repos/alerts-repo.js';
import type { AlertRow, AlertRuleRow, ComponentRow } from '../../db/schema.js';
import { draftOpenKey, firstMatchingRule, isWorse, mostSevere, type IncomingAlert } from '../../domain/alerts.js';
import type { ComponentStatus } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { noticeComponentChange } from '../customer-channels/component-notices.js';
import type { NotifyDeps } from '../destinations/notify.js';
import { announceDraft } from './announce.js';

/*
 * Alert intake (issue 16): what a firing or resolved alert does.
 *
 * - A firing alert already firing under the same key (Alertmanager's
 *   repeat_interval, a second Alertmanager of an HA pair, a retry) changes
 *   nothing.
 * - A new one joins the draft open for its components (a rule maps it), or
 *   for its source group when nothing maps it, or opens a draft. A new draft
 *   is announced to the internal destinations in the same write. Nothing
 *   public is written, nobody is emailed.
 * - A rule that opts in moves its components' status while the alert fires
 *   (only ever to a worse status, never over maintenance) and puts it back
 *   when the alert resolves, unless someone changed it since.
 * - A resolved alert ends its episode; a waiting draft whose alerts all
 *   resolved closes as "resolved on its own". A declared draft's incident
 *   only gets the suggestion (admin): people decide what customers read.
 *
 * Each alert is one atomic write. The unique keys (alerts.firing_key,
 * alert_drafts.open_key, incidents.alert_draft_id) make racing deliveries
 * safe on both drivers: the loser's write fails whole and is tried again,
 * when it finds what the winner wrote.
 */

export type IntakeDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'log'> & NotifyDeps;

export interface IngestResult {
  /** Alerts in the request. */
  received: number;
  /** New firing alerts recorded. */
  firing: number;
  /** Alerts already firing: nothing changed. */
  repeated: number;
  /** Firing alerts this request ended. */
  resolved: number;
  /** Resolutions of alerts not firing here (unknown, or already resolved): nothing changed. */
  ignored: number;
  /** Drafts this request opened. */
  opened: string[];
  /** Every draft the request's firing alerts are on. */
  drafts: string[];
}

const ATTEMPTS = 3;

function isUniqueConflict(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/i.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? '')}`);
}

/** One intake at a time per process (per repos): the unique keys settle races between processes and isolates. */
const queues = new WeakMap<object, Promise<unknown>>();

function serially<T>(key: object, run: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(run, run);
  queues.set(key, next.catch(() => undefined));
  return next;
}

export async function ingestAlerts(deps: IntakeDeps, actor: Actor, incoming: readonly IncomingAlert[]): Promise<IngestResult> {
  authorize(actor, 'alerts:ingest');
  return serially(deps.repos, () => ingestSerially(deps, actor, incoming));
}

async function ingestSerially(deps: IntakeDeps, actor: Actor, incoming: readonly IncomingAlert[]): Promise<IngestResult> {
  const result: IngestResult = { received: incoming.length, firing: 0, repeated: 0, resolved: 0, ignored: 0, opened: [], drafts: [] };
  if (!incoming.length) return result;
  const rules = await deps.repos.alerts.listRules();
  for (const alert of incoming) {
    for (let attempt = 1; ; attempt++) {
      try {
        if (alert.status === 'firing') await fire(deps, actor, rules, alert, result);
        else await resolve(deps, actor, alert, result);
        break;
      } catch (error) {
        if (attempt >= ATTEMPTS || !isUniqueConflict(error)) throw error;
      }
    }
  }
  return result;
}

function firingKeyOf(alert: Pick<IncomingAlert, 'source' | 'key'>): string {
  return `${alert.source}:${alert.key}`;
}

function remember(result: IngestResult, draftId: string): void {
  if (!result.drafts.includes(draftId)) result.drafts.push(draftId);
}

/** The component a generic alert names, by id or (case-insensitively) by name. */
async function namedComponent(deps: Pick<Deps, 'repos'>, name: string | null): Promise<string[]> {
  if (!name) return [];
  const wanted = name.trim().toLowerCase();
  const match = (await deps.repos.components.list()).find((c) => c.id === name.trim() || c.name.toLowerCase() === wanted);
  return match ? [match.id] : [];
}

async function fire(deps: IntakeDeps, actor: Actor, rules: readonly AlertRuleRow[], alert: IncomingAlert, result: IngestResult): Promise<void> {
  const now = deps.clock.now();
  const firingKey = firingKeyOf(alert);
  const existing = await deps.repos.alerts.findFiring(firingKey);
  if (existing) {
    result.repeated += 1;
    remember(result, existing.draftId);
    return;
  }
  const rule = firstMatchingRule(rules, alert);
  const known = new Set((await deps.repos.components.list()).map((c) => c.id));
  const componentIds = (rule ? rule.componentIds : await namedComponent(deps, alert.component)).filter((id) => known.has(id));
  const severity = mostSevere(rule?.severity, rule?.severity == null ? alert.severity : null);
  const openKey = draftOpenKey(componentIds, alert);
  const statements: Statement[] = [];

  let draft: DraftWithIncident | undefined = await deps.repos.alerts.findOpenDraft(openKey);
  if (draft && draft.incidentStatus === 'resolved') {
    // Its incident is over: a new alert starts a new draft.
    statements.push(deps.repos.alerts.closeDraftKey(draft.id, openKey, now));
    draft = undefined;
  }
  const draftId = draft?.id ?? newId();
  if (draft) {
    statements.push(
      deps.repos.alerts.updateDraft(draft.id, {
        severity: mostSevere(draft.severity, severity),
        detectedAt: Math.min(draft.detectedAt, alert.startsAt),
        updatedAt: now,
      }),
    );
  } else {
    const row = {
      id: draftId,
      openKey,
      status: 'open' as const,
      source: alert.source,
      title: alert.summary,
      severity,
      componentIds,
      ruleId: rule?.id ?? null,
      detectedAt: alert.startsAt,
      createdAt: now,
      updatedAt: now,
    };
    statements.push(deps.repos.alerts.insertDraft(row));
    statements.push(
      ...(await announceDraft(deps, row, {
        kind: 'alert',
        status: 'Firing, unacknowledged',
        text: alert.description ? `**${alert.summary}**\n\n${alert.description}` : `**${alert.summary}**`,
        alertCount: 1,
        extraFacts: labelFacts(alert.labels),
      })),
    );
  }

  const auto = rule?.autoComponentStatus ? await autoStatusOnFire(deps, actor, rule.autoComponentStatus, componentIds, now) : null;
  statements.push(
    deps.repos.alerts.insertAlert({
      id: newId(),
      draftId,
      source: alert.source,
      dedupeKey: alert.key,
      firingKey,
      status: 'firing',
      summary: alert.summary,
      description: alert.description,
      labels: alert.labels,
      links: alert.links,
      ruleId: rule?.id ?? null,
      severity,
      autoStatuses: auto?.held ?? null,
      startsAt: alert.startsAt,
      endsAt: null,
      receivedAt: now,
      resolvedReceivedAt: null,
    }),
    ...(auto?.statements ?? []),
  );
  await deps.db.atomic(statements);
  result.firing += 1;
  if (!draft) result.opened.push(draftId);
  remember(result, draftId);
  deps.log.info('alert firing', { source: alert.source, key: alert.key, draftId, opened: !draft });
}

/** The labels worth a line in a chat message (a few, in the order given). */
function labelFacts(labels: Record<string, string>) {
  const shown = Object.entries(labels).slice(0, 6);
  return shown.length ? [{ label: 'Labels', value: shown.map(([k, v]) => `${k}=${v}`).join(', ') }] : [];
}

type Held = Record<string, { before: ComponentStatus; set: ComponentStatus }>;

/** Another firing alert's hold on each component, by component id. */
async function holdsOf(deps: Pick<Deps, 'repos'>, except?: string): Promise<Map<string, { before: ComponentStatus; set: ComponentStatus }[]>> {
  const holds = new Map<string, { before: ComponentStatus; set: ComponentStatus }[]>();
  for (const row of await deps.repos.alerts.firingWithAutoStatus()) {
    if (row.id === except) continue;
    for (const [componentId, hold] of Object.entries(row.autoStatuses ?? {})) {
      holds.set(componentId, [...(holds.get(componentId) ?? []), hold]);
    }
  }
  return holds;
}

function worstOf(statuses: readonly ComponentStatus[]): ComponentStatus {
  return statuses.reduce((worst, s) => (isWorse(s, worst) ? s : worst));
}

/**
 * A firing alert's automatic component status: each component it may move
 * is held (so the status goes back when the last holder resolves) and moved
 * when the rule's status is worse than the current one. Maintenance is left alone.
 */
async function autoStatusOnFire(
  deps: Pick<Deps, 'repos' | 'clock'>,
  actor: Actor,
  status: ComponentStatus,
  componentIds: readonly string[],
  now: number,
): Promise<{ held: Held | null; statements: Statement[] }> {
  const components = await deps.repos.components.findByIds(componentIds);
  const holds = await holdsOf(deps);
  const held: Held = {};
  const statements: Statement[] = [];
  for (const component of components) {
    if (component.status === 'under_maintenance') continue;
    // What it goes back to: what it was before the first alert still holding it moved it.
    const before = holds.get(component.id)?.[0]?.before ?? component.status;
    held[component.id] = { before, set: status };
    if (isWorse(status, component.status)) {
      statements.push(...moveComponent(deps, actor, component, status, now, 'firing'));
      statements.push(...(await noticeComponentChange(deps, { componentId: component.id, from: component.status, to: status }, now)));
    }
  }
  return { held: Object.keys(held).length ? held : null, statements };
}

function moveComponent(
  deps: Pick<Deps, 'repos' | 'clock'>,
  actor: Actor,
  component: ComponentRow,
  status: ComponentStatus,
  now: number,
  why: 'firing' | 'resolved',
): Statement[] {
  return [
    ...deps.repos.components.setStatus({ componentId: component.id, status, at: now }, now),
    auditEntry(deps, actor, {
      action: 'component.status',
      targetType: 'component',
      targetId: component.id,
      details: { name: component.name, from: component.status, to: status, automatic: `alert ${why} (alert rule)` },
    }),
  ];
}

/** Puts back what a resolving alert held, unless someone changed the status since. */
async function autoStatusOnResolve(deps: Pick<Deps, 'repos' | 'clock'>, actor: Actor, alert: AlertRow, now: number): Promise<Statement[]> {
  const mine = alert.autoStatuses ?? {};
  const ids = Object.keys(mine);
  if (!ids.length) return [];
  const components = await deps.repos.components.findByIds(ids);
  const holds = await holdsOf(deps, alert.id);
  const statements: Statement[] = [];
  for (const component of components) {
    const others = holds.get(component.id) ?? [];
    const hold = mine[component.id]!;
    // Not what the alerts made it: a person changed it (or it was worse already), so leave it.
    if (component.status !== worstOf([hold.set, ...others.map((h) => h.set)])) continue;
    const target = worstOf([hold.before, ...others.map((h) => h.set)]);
    if (target !== component.status) {
      statements.push(...moveComponent(deps, actor, component, target, now, 'resolved'));
      statements.push(...(await noticeComponentChange(deps, { componentId: component.id, from: component.status, to: target }, now)));
    }
  }
  return statements;
}

async function resolve(deps: IntakeDeps, actor: Actor, alert: IncomingAlert, result: IngestResult): Promise<void> {
  const now = deps.clock.now();
  const firing = await deps.repos.alerts.findFiring(firingKeyOf(alert));
  if (!firing) {
    result.ignored += 1;
    return;
  }
  const endsAt = Math.max(alert.endsAt ?? now, firing.startsAt);
  await deps.db.atomic([
    deps.repos.alerts.resolveAlert(firing.id, endsAt, now),
    ...(await autoStatusOnResolve(deps, actor, firing, now)),
    deps.repos.alerts.closeQuietDraft(firing.draftId, now),
  ]);
  result.resolved += 1;
  remember(result, firing.draftId);
  deps.log.info('alert resolved', { source: alert.source, key: alert.key, draftId: firing.draftId });
}

import { z } from 'zod';
import type { DraftWithIncident } from '../../db/repos/alerts-repo.js';
import type { AlertRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import type { NotifyDeps } from '../destinations/notify.js';
import { parseInput } from '../validation.js';
import { announceDraft } from './announce.js';

/*
 * What people do with a draft: acknowledge it ("I have it"), dismiss it (not
 * an incident, with a reason), or declare an incident from it
 * (services/incidents/declare.ts, `alertDraftId`). Reading needs admin:read;
 * acting needs incidents:write, like declaring.
 */

export interface DraftDetail extends DraftWithIncident {
  /** Oldest first. */
  alerts: AlertRow[];
  firingCount: number;
}

async function withAlerts(deps: Pick<Deps, 'repos'>, draft: DraftWithIncident): Promise<DraftDetail> {
  const alerts = await deps.repos.alerts.alertsOf(draft.id);
  return { ...draft, alerts, firingCount: alerts.filter((a) => a.status === 'firing').length };
}

export async function findDraft(deps: Pick<Deps, 'repos'>, actor: Actor, id: string): Promise<DraftDetail> {
  authorize(actor, 'admin:read');
  const draft = ID_PATTERN.test(id) ? await deps.repos.alerts.findDraft(id) : undefined;
  if (!draft) throw new NotFoundError('There is no alert draft with this id.');
  return withAlerts(deps, draft);
}

/** Drafts waiting for a person (oldest first), then the most recent others (newest first). */
export async function listDrafts(deps: Pick<Deps, 'repos'>, actor: Actor, recent = 50): Promise<{ waiting: DraftDetail[]; recent: DraftDetail[] }> {
  authorize(actor, 'admin:read');
  const [waiting, latest] = await Promise.all([deps.repos.alerts.listWaitingDrafts(), deps.repos.alerts.listRecentDrafts(recent)]);
  const others = latest.filter((d) => !waiting.some((w) => w.id === d.id));
  return {
    waiting: await Promise.all(waiting.map((d) => withAlerts(deps, d))),
    recent: await Promise.all(others.map((d) => withAlerts(deps, d))),
  };
}

/** The draft an incident was declared from, with its alerts (the incident's alert history). */
export async function draftOfIncident(deps: Pick<Deps, 'repos'>, actor: Actor, incidentId: string): Promise<DraftDetail | null> {
  authorize(actor, 'admin:read');
  const row = await deps.repos.alerts.draftOfIncident(incidentId);
  if (!row) return null;
  const draft = await deps.repos.alerts.findDraft(row.id);
  return draft ? withAlerts(deps, draft) : null;
}

export type DraftDeps = Pick<Deps, 'repos' | 'db' | 'clock'> & NotifyDeps;

/**
 * Records who took the draft on and when, and tells the destinations. A
 * draft already acknowledged keeps its first acknowledgement (what the
 * metrics measure); acknowledging it again changes nothing.
 *
 * Once, even when two people acknowledge at the same moment (the escalation
 * email goes to several): the write is a claim conditional on nobody having
 * acknowledged yet, and its messages carry ids derived from the draft, so the
 * second write fails whole on the unique id. With no destination to tell,
 * the claim runs alone, then its audit entry.
 */
export async function acknowledgeDraft(deps: DraftDeps, actor: Actor, id: string): Promise<DraftDetail> {
  authorize(actor, 'incidents:write');
  const draft = await findDraft(deps, actor, id);
  if (draft.acknowledgedAt !== null) return draft;
  const now = deps.clock.now();
  const claim = deps.repos.alerts.claimAcknowledgement(draft.id, now, actor.label);
  const recorded = [
    ...(draft.incidentId
      ? [deps.repos.incidents.update(draft.incidentId, { acknowledgedAt: now, acknowledgedBy: actor.label, updatedAt: now })]
      : []),
    auditEntry(deps, actor, { action: 'alert.acknowledge', targetType: 'alert_draft', targetId: draft.id, details: { title: draft.title } }),
  ];
  const deliveries = await announceDraft(deps, draft, {
    kind: 'alert_acknowledged',
    status: `Acknowledged by ${actor.label}`,
    text: `**${actor.label}** acknowledged the alert.`,
    alertCount: draft.alerts.length,
    dedupeKey: `a${draft.id}`,
  });
  if (deliveries.length) {
    try {
      await deps.db.atomic([claim, ...recorded, ...deliveries]);
    } catch (error) {
      // Acknowledged by someone else first: its messages' ids are taken.
      const fresh = await findDraft(deps, actor, id);
      if (fresh.acknowledgedAt !== null) return fresh;
      throw error;
    }
  } else if ((await deps.db.claim(claim)) > 0) {
    await deps.db.atomic(recorded);
  }
  return findDraft(deps, actor, id);
}

export const DismissDraftInput = z.object({
  reason: z.string().trim().min(1, { error: 'say why it is not an incident' }).max(1000),
});
export type DismissDraftInput = z.input<typeof DismissDraftInput>;

/**
 * Not an incident (a false alarm, a test, already handled): closes the
 * draft with the reason. Its alerts stay firing until their source resolves
 * them; their repeats change nothing.
 */
export async function dismissDraft(deps: DraftDeps, actor: Actor, id: string, raw: DismissDraftInput): Promise<DraftDetail> {
  authorize(actor, 'incidents:write');
  const input = parseInput(DismissDraftInput, raw);
  const draft = await findDraft(deps, actor, id);
  if (draft.status === 'declared') throw new ConflictError('An incident was declared from this draft; resolve the incident instead.');
  if (draft.status === 'dismissed') return draft;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.alerts.updateDraft(draft.id, {
      status: 'dismissed',
      dismissedReason: input.reason,
      openKey: null,
      closedAt: now,
      ...(draft.acknowledgedAt === null ? { acknowledgedAt: now, acknowledgedBy: actor.label } : {}),
      updatedAt: now,
    }),
    auditEntry(deps, actor, {
      action: 'alert.dismiss',
      targetType: 'alert_draft',
      targetId: draft.id,
      details: { title: draft.title, reason: input.reason },
    }),
  ]);
  return findDraft(deps, actor, id);
}

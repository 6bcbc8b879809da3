import type { AlertDraftRow, SettingsRow, UserRow } from '../../db/schema.js';
import { MINUTE } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { composeAlertEscalationEmail } from '../../mail/compose.js';
import { sendTeamEmail } from '../auth/password-mail.js';
import { escalationRecipients } from '../settings/escalation.js';
import { loadEmailPage, loadSettings } from '../settings/reads.js';
import { announceDraft, draftLinks, suggestedSeverityLabel } from './announce.js';

/*
 * Escalation (issue 16): a draft suggesting SEV-1 or SEV-2 that nobody has
 * acknowledged (still 'open') settings.alertEscalationMinutes after Herald
 * opened it is announced again to the destinations that want it ('escalation',
 * "Still unacknowledged after N min") and emailed to the escalation list
 * (every enabled owner when there is none). Once per draft.
 *
 * Once, even when two ticks (processes, isolates) race, as the internal
 * reminder does (destinations/reminders.ts): the write that queues the
 * messages also claims the draft (alert_drafts.escalated_at, conditional on
 * it being open and not escalated), and the messages carry ids derived from
 * the draft, so a second write of the same escalation fails whole on the
 * unique id. With no destination to queue for, the claim alone is run
 * (db.claim). Only the caller whose claim landed sends the emails, each with
 * an idempotency key per draft and member.
 */

export type EscalationDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'views' | 'log' | 'mail'> & Partial<Pick<Deps, 'config'>>;

export interface EscalationResult {
  /** Drafts escalated by this call. */
  escalated: string[];
  /** Destination messages queued. */
  queued: number;
  /** Emails the transport accepted. */
  emailed: number;
}

export async function escalateUnacknowledgedDrafts(deps: EscalationDeps, now: number): Promise<EscalationResult> {
  const result: EscalationResult = { escalated: [], queued: 0, emailed: 0 };
  const settings = await loadSettings(deps);
  const due = await deps.repos.alerts.listEscalationDue(now - settings.alertEscalationMinutes * MINUTE);
  for (const draft of due) {
    try {
      const outcome = await escalateOne(deps, draft, settings, now);
      if (!outcome) continue;
      result.escalated.push(draft.id);
      result.queued += outcome.queued;
      result.emailed += outcome.emailed;
    } catch (error) {
      deps.log.error('alert escalation: could not escalate', { draftId: draft.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/** Escalates one draft; null when another caller already did, or someone acknowledged it meanwhile. */
async function escalateOne(
  deps: EscalationDeps,
  draft: AlertDraftRow,
  settings: Pick<SettingsRow, 'alertEscalationUserIds'>,
  now: number,
): Promise<{ queued: number; emailed: number } | null> {
  const minutes = Math.floor((now - draft.createdAt) / MINUTE);
  const alerts = await deps.repos.alerts.alertsOf(draft.id);
  const deliveries = await announceDraft(deps, draft, {
    kind: 'escalation',
    status: `Still unacknowledged after ${minutes} min`,
    text: `**Still unacknowledged after ${minutes} min.** Nobody has taken this alert on yet: acknowledge it, or declare an incident.`,
    alertCount: alerts.length,
    dedupeKey: `e${draft.id}`,
  });
  const claim = deps.repos.alerts.claimEscalation(draft.id, now);
  if (deliveries.length) {
    try {
      await deps.db.atomic([claim, ...deliveries]);
    } catch (error) {
      // The same escalation written by another caller first: its message ids are taken.
      const fresh = await deps.repos.alerts.findDraft(draft.id);
      if (fresh && fresh.escalatedAt !== null) return null;
      throw error;
    }
    // The claim is conditional: acknowledged (or declared, dismissed) between the read and the write, it changed nothing.
    const fresh = await deps.repos.alerts.findDraft(draft.id);
    if (!fresh || fresh.escalatedAt !== now) {
      deps.log.info('alert escalation: the draft was taken on meanwhile, nobody is emailed', { draftId: draft.id });
      return null;
    }
  } else if ((await deps.db.claim(claim)) === 0) {
    return null;
  }
  const emailed = await emailEscalationList(deps, draft, settings, { minutes, alertCount: alerts.length });
  deps.log.info('alert escalated', { draftId: draft.id, minutes, queued: deliveries.length, emailed });
  return { queued: deliveries.length, emailed };
}

/** Emails every member on the escalation list; how many the transport accepted. */
async function emailEscalationList(
  deps: EscalationDeps,
  draft: AlertDraftRow,
  settings: Pick<SettingsRow, 'alertEscalationUserIds'>,
  facts: { minutes: number; alertCount: number },
): Promise<number> {
  const recipients = await escalationRecipients(deps, settings);
  if (!recipients.length) {
    deps.log.info('alert escalation: nobody on the escalation list can be emailed', { draftId: draft.id });
    return 0;
  }
  if (!deps.mail) {
    deps.log.info('alert escalation: no email transport, the escalation list is not emailed', { draftId: draft.id });
    return 0;
  }
  const mail = deps.mail;
  const page = await loadEmailPage(deps, deps.config?.publicUrl ?? undefined);
  const components = draft.componentIds.length ? await deps.repos.components.findByIds(draft.componentIds) : [];
  let emailed = 0;
  for (const user of recipients) {
    try {
      if (await emailOne(deps, mail, page, draft, user, { ...facts, componentNames: components.map((c) => c.name) })) emailed += 1;
    } catch (error) {
      // The escalation is claimed: one member's failed email must not stop the others'.
      deps.log.error('alert escalation email not sent', { draftId: draft.id, userId: user.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return emailed;
}

async function emailOne(
  deps: EscalationDeps,
  mail: NonNullable<EscalationDeps['mail']>,
  page: Awaited<ReturnType<typeof loadEmailPage>>,
  draft: AlertDraftRow,
  user: UserRow,
  facts: { minutes: number; alertCount: number; componentNames: string[] },
): Promise<boolean> {
  const email = composeAlertEscalationEmail(deps.views, page, user.email, {
    title: draft.title,
    severityLabel: suggestedSeverityLabel(draft.severity),
    minutes: facts.minutes,
    name: user.name || user.email,
    componentNames: facts.componentNames,
    alertCount: facts.alertCount,
    detectedAt: draft.detectedAt,
    links: draftLinks(page.baseUrl, draft.id),
  });
  // One key per draft and member: a provider that honours it never delivers this escalation twice.
  return sendTeamEmail({ log: deps.log, mail }, email, {
    key: `herald-escalation/${draft.id}/${user.id}`,
    log: { draftId: draft.id, userId: user.id },
    what: 'alert escalation email',
  });
}

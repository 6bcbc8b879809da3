import { minutesLate } from '../../domain/cadence.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import { INCIDENT_STATUS_LABELS } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { composeInternalReminderEmail } from '../../mail/compose.js';
import { formatterFor } from '../../presenters/format.js';
import { sendTeamEmail } from '../auth/password-mail.js';
import { internalDueOf, type InternalDue } from '../incidents/dashboard.js';
import { loadEmailPage, loadSettings } from '../settings/reads.js';
import { factsOf, notifyDestinations, roleNames, severityLabel } from './notify.js';

/*
 * The internal cadence's nudge: when an open incident's internal update is
 * late (domain/cadence.ts) and reminders are on, its destinations get a
 * 'reminder' message and its Comms Lead (when the role is held by an
 * account) an email, once per overdue period: posting any update (internal
 * or public) starts a new period with a new due time.
 *
 * Once, even when two ticks (processes, isolates) race: the write that queues
 * the reminders also marks the incident reminded (incidents.internal_reminded_at,
 * conditional on not being reminded since the due time), and the queued
 * deliveries carry message ids derived from the incident and the due time, so
 * a second write of the same reminder fails whole on the unique id. With no
 * destination to queue for, the conditional mark alone is claimed
 * (db.claim). Only the caller whose write landed sends the email.
 */

export type ReminderDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'views' | 'log' | 'mail'> & Partial<Pick<Deps, 'config'>>;

export interface ReminderResult {
  /** Incidents reminded by this call. */
  reminded: string[];
  /** Destination messages queued. */
  queued: number;
  /** Comms Lead emails the transport accepted. */
  emailed: number;
}

export async function remindOverdueInternalUpdates(deps: ReminderDeps, now: number): Promise<ReminderResult> {
  const result: ReminderResult = { reminded: [], queued: 0, emailed: 0 };
  const settings = await loadSettings(deps);
  if (!settings.internalReminders) return result;
  const open = await deps.repos.incidents.listOpenIncidents();
  const dueById = await internalDueOf(deps, settings, open, now);
  for (const incident of open) {
    const due = dueById.get(incident.id);
    if (!due || !due.overdue || due.dueAt === null) continue;
    if (incident.internalRemindedAt !== null && incident.internalRemindedAt >= due.dueAt) continue;
    try {
      const outcome = await remindOne(deps, incident, { ...due, dueAt: due.dueAt }, settings.timeZone, now);
      if (!outcome) continue;
      result.reminded.push(incident.id);
      result.queued += outcome.queued;
      if (outcome.emailed) result.emailed += 1;
    } catch (error) {
      deps.log.error('internal reminder: could not remind', { incidentId: incident.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/** Reminds of one overdue incident; null when another caller already did for this overdue period. */
async function remindOne(
  deps: ReminderDeps,
  incident: IncidentDetail,
  due: InternalDue & { dueAt: number },
  timeZone: string,
  now: number,
): Promise<{ queued: number; emailed: boolean } | null> {
  const roles = await deps.repos.roles.rolesOf(incident.id);
  const names = roleNames(roles);
  const format = formatterFor(timeZone);
  const late = minutesLate(due.dueAt, now);
  const who = names.comms_lead ? `${names.comms_lead} (Comms Lead)` : 'The Comms Lead';
  const deliveries = await notifyDestinations(deps, factsOf(incident), names, {
    kind: 'reminder',
    text:
      `**Internal update overdue.** The next internal update was due ${format.time(due.dueAt).text} and is late by ${late} min. ` +
      `${who}: please post an internal update, even "no news yet".`,
    postedOnStatusPage: false,
    at: now,
    extraFacts: [{ label: 'Internal update due', value: format.time(due.dueAt).text }],
    dedupeKey: `r${due.dueAt.toString(36)}${incident.id}`,
  });
  const claim = deps.repos.incidents.claimInternalReminder(incident.id, due.dueAt, now);
  if (deliveries.length) {
    try {
      await deps.db.atomic([claim, ...deliveries]);
    } catch (error) {
      // The same reminder written by another caller first: its message ids are taken.
      const fresh = await deps.repos.incidents.findById(incident.id);
      if (fresh && fresh.internalRemindedAt !== null && fresh.internalRemindedAt >= due.dueAt) return null;
      throw error;
    }
  } else if ((await deps.db.claim(claim)) === 0) {
    // Not "=== 1": D1 also counts the rows the revision trigger changes.
    return null;
  }
  const emailed = await emailCommsLead(deps, incident, roles, due.dueAt, now);
  deps.log.info('internal reminder sent', { incidentId: incident.id, dueAt: due.dueAt, queued: deliveries.length, emailed });
  return { queued: deliveries.length, emailed };
}

/** Emails the Comms Lead when the role is held by an enabled account; false when there is no one to email or it failed. */
async function emailCommsLead(
  deps: ReminderDeps,
  incident: IncidentDetail,
  roles: readonly { role: string; userId: string | null; name: string }[],
  dueAt: number,
  now: number,
): Promise<boolean> {
  const lead = roles.find((r) => r.role === 'comms_lead');
  if (!lead?.userId) return false;
  const user = await deps.repos.accounts.findUserById(lead.userId);
  if (!user || user.disabledAt !== null) return false;
  if (!deps.mail) {
    deps.log.info('internal reminder: no email transport, the Comms Lead is not emailed', { incidentId: incident.id });
    return false;
  }
  const page = await loadEmailPage(deps, deps.config?.publicUrl ?? undefined);
  const email = composeInternalReminderEmail(deps.views, page, user.email, {
    incidentId: incident.id,
    title: incident.title,
    severityLabel: severityLabel(incident.severity ?? 4),
    statusLabel: INCIDENT_STATUS_LABELS[incident.status],
    name: user.name || lead.name,
    dueAt,
    now,
  });
  // One key per incident and overdue period: a provider that honours it never delivers this reminder twice.
  return sendTeamEmail({ log: deps.log, mail: deps.mail }, email, {
    key: `herald-reminder/${incident.id}/${dueAt}`,
    log: { incidentId: incident.id, userId: user.id },
    what: 'internal reminder email',
  });
}

import type { PostmortemListRow } from '../../db/repos/postmortems-repo.js';
import type { UserRow } from '../../db/schema.js';
import { postmortemUrgency } from '../../domain/postmortem.js';
import type { Deps } from '../../deps.js';
import { composePostmortemReminderEmail, type PostmortemReminderEmail } from '../../mail/compose.js';
import { formatDuration, formatterFor } from '../../presenters/format.js';
import { sendTeamEmail } from '../auth/password-mail.js';
import { factsOf, notifyDestinations, roleNames, severityLabel } from '../destinations/notify.js';
import { loadEmailPage, loadSettings } from '../settings/reads.js';

/*
 * Postmortem reminders (issue 17): a day before a postmortem is due
 * (POSTMORTEM_REMINDER_LEAD_MS) and once it is overdue, unless it is
 * published (internally) by then. Each goes to the incident's internal
 * destinations ('postmortem_due_soon' / 'postmortem_overdue' messages) and by
 * email to the postmortem's owner when a member holds it; else to the
 * Incident Commander when a member holds that role; else to every owner of
 * the page. An overdue postmortem whose "due soon" reminder never went (a
 * short due time, a stopped server) gets the overdue one only.
 *
 * Once each, even when two ticks race, as destinations/reminders.ts: the
 * write queueing the messages also claims the reminder
 * (postmortems.reminded_due_soon_at / reminded_overdue_at, conditional on
 * being unset and the postmortem unpublished), and the messages carry ids
 * derived from the incident and the reminder, so a second write fails whole
 * on the unique id. With nothing to queue, the claim alone is run. Only the
 * caller whose claim landed sends the emails, each with an idempotency key.
 */

export type PostmortemReminderDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'views' | 'log' | 'mail'> & Partial<Pick<Deps, 'config'>>;

export type PostmortemReminderKind = 'due_soon' | 'overdue';

export interface PostmortemReminderResult {
  /** "<incidentId>:<due_soon|overdue>" for each reminder this call sent. */
  reminded: string[];
  /** Destination messages queued. */
  queued: number;
  /** Emails the transport accepted. */
  emailed: number;
}

/** The reminder a postmortem is owed now, if any. */
export function reminderOwed(
  p: Pick<PostmortemListRow, 'dueAt' | 'state' | 'remindedDueSoonAt' | 'remindedOverdueAt'>,
  now: number,
): PostmortemReminderKind | null {
  if (p.dueAt === null || p.state === 'published') return null;
  const urgency = postmortemUrgency(p.dueAt, null, now);
  if (urgency === 'overdue') return p.remindedOverdueAt === null ? 'overdue' : null;
  if (urgency === 'due_soon') return p.remindedDueSoonAt === null ? 'due_soon' : null;
  return null;
}

export async function remindPostmortems(deps: PostmortemReminderDeps, now: number): Promise<PostmortemReminderResult> {
  const result: PostmortemReminderResult = { reminded: [], queued: 0, emailed: 0 };
  for (const postmortem of await deps.repos.postmortems.listOpenDue()) {
    const which = reminderOwed(postmortem, now);
    if (!which) continue;
    try {
      const outcome = await remindOne(deps, postmortem, which, now);
      if (!outcome) continue;
      result.reminded.push(`${postmortem.incidentId}:${which}`);
      result.queued += outcome.queued;
      result.emailed += outcome.emailed;
    } catch (error) {
      deps.log.error('postmortem reminder: could not remind', {
        incidentId: postmortem.incidentId,
        which,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return result;
}

async function remindOne(
  deps: PostmortemReminderDeps,
  postmortem: PostmortemListRow,
  which: PostmortemReminderKind,
  now: number,
): Promise<{ queued: number; emailed: number } | null> {
  const incident = await deps.repos.incidents.findById(postmortem.incidentId);
  if (!incident) return null;
  const dueAt = postmortem.dueAt!;
  const settings = await loadSettings(deps);
  const format = formatterFor(settings.timeZone);
  const roles = await deps.repos.roles.rolesOf(incident.id);
  const owner = postmortem.ownerName ?? 'nobody yet';
  const when = format.dateTime(dueAt).text;
  const text =
    which === 'overdue'
      ? `**Postmortem overdue.** The postmortem of this incident was due ${when} and is overdue by ${formatDuration(now - dueAt)}. Owner: ${owner}. Please finish it and publish it (internally) in Herald.`
      : `**Postmortem due soon.** The postmortem of this incident is due ${when}, in ${formatDuration(dueAt - now)}. Owner: ${owner}.`;
  const deliveries = await notifyDestinations(deps, factsOf(incident), roleNames(roles), {
    kind: which === 'overdue' ? 'postmortem_overdue' : 'postmortem_due_soon',
    text,
    postedOnStatusPage: false,
    at: now,
    extraFacts: [
      { label: 'Postmortem due', value: when },
      { label: 'Postmortem owner', value: owner },
    ],
    dedupeKey: `p${which === 'overdue' ? 'o' : 's'}${incident.id}`,
  });
  const claim = deps.repos.postmortems.claimReminder(incident.id, which, now);
  const remindedAt = async () => {
    const fresh = await deps.repos.postmortems.find(incident.id);
    return which === 'overdue' ? fresh?.remindedOverdueAt : fresh?.remindedDueSoonAt;
  };
  if (deliveries.length) {
    try {
      await deps.db.atomic([claim, ...deliveries]);
    } catch (error) {
      // The same reminder written by another caller first: its message ids are taken.
      if ((await remindedAt()) != null) return null;
      throw error;
    }
    // The claim is conditional: published between the read and the write, it changed nothing and nobody is emailed.
    if ((await remindedAt()) !== now) return null;
  } else if ((await deps.db.claim(claim)) === 0) {
    return null;
  }
  const emailed = await emailReminder(deps, postmortem, incident.title, incident.severity, roles, which, now);
  deps.log.info('postmortem reminder sent', { incidentId: incident.id, which, queued: deliveries.length, emailed });
  return { queued: deliveries.length, emailed };
}

/** Whom to email: the owner if a member, else the Incident Commander if a member, else every owner of the page. */
export async function postmortemReminderRecipients(
  deps: Pick<Deps, 'repos'>,
  postmortem: Pick<PostmortemListRow, 'ownerUserId'>,
  roles: readonly { role: string; userId: string | null }[],
): Promise<{ users: UserRow[]; role: PostmortemReminderEmail['role'] }> {
  const users = await deps.repos.accounts.listUsers();
  const enabled = (id: string | null | undefined) => (id ? users.find((u) => u.id === id && u.disabledAt === null) : undefined);
  const owner = enabled(postmortem.ownerUserId);
  if (owner) return { users: [owner], role: 'owner' };
  const ic = enabled(roles.find((r) => r.role === 'incident_commander')?.userId);
  if (ic) return { users: [ic], role: 'incident_commander' };
  return { users: users.filter((u) => u.role === 'owner' && u.disabledAt === null), role: 'page_owner' };
}

async function emailReminder(
  deps: PostmortemReminderDeps,
  postmortem: PostmortemListRow,
  title: string,
  severity: number | null,
  roles: readonly { role: string; userId: string | null }[],
  which: PostmortemReminderKind,
  now: number,
): Promise<number> {
  const { users, role } = await postmortemReminderRecipients(deps, postmortem, roles);
  if (!users.length) return 0;
  if (!deps.mail) {
    deps.log.info('postmortem reminder: no email transport, nobody is emailed', { incidentId: postmortem.incidentId });
    return 0;
  }
  const mail = deps.mail;
  const page = await loadEmailPage(deps, deps.config?.publicUrl ?? undefined);
  let emailed = 0;
  for (const user of users) {
    try {
      const email = composePostmortemReminderEmail(deps.views, page, user.email, {
        incidentId: postmortem.incidentId,
        title,
        severityLabel: severity === null ? 'No severity' : severityLabel(severity),
        which,
        name: user.name || user.email,
        ownerName: postmortem.ownerName ?? 'nobody yet',
        role,
        dueAt: postmortem.dueAt!,
        now,
      });
      // One key per postmortem, reminder and member: a provider that honours it never delivers this reminder twice.
      const sent = await sendTeamEmail({ log: deps.log, mail }, email, {
        key: `herald-postmortem/${postmortem.incidentId}/${which}/${user.id}`,
        log: { incidentId: postmortem.incidentId, userId: user.id },
        what: 'postmortem reminder email',
      });
      if (sent) emailed += 1;
    } catch (error) {
      // The reminder is claimed: one member's failed email must not stop the others'.
      deps.log.error('postmortem reminder email not sent', {
        incidentId: postmortem.incidentId,
        userId: user.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return emailed;
}

import { minutesLate } from '../domain/cadence.js';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import {
  COMPONENT_STATUS_LABELS,
  INCIDENT_STATUS_LABELS,
  type ComponentStatus,
} from '../domain/constants.js';
import type { Views } from '../lib/views.js';
import { oneLine } from '../lib/text.js';
import { formatDuration, formatterFor } from '../presenters/format.js';
import {
  emailContext,
  renderEmail,
  renderTransactionalEmail,
  type ComposedEmail,
  type EmailContext,
  type EmailPage,
  type EmailRecipient,
} from './frame.js';
import { COMPONENT_STATUS_COLORS, PALETTE } from './palette.js';
import { emailMarkdownHtml, emailMarkdownText } from './update-body.js';

export type { ComposedEmail, EmailPage, EmailRecipient } from './frame.js';

/*
 * The emails subscribers get: an incident or maintenance update, the
 * confirmation of a new subscription, and "already subscribed" (sent instead
 * of a confirmation to an address that is already confirmed, so the public
 * form never tells who is subscribed); and the password-link emails of team
 * members.
 *
 * Pure and runtime-neutral (Node and Workers): the data is prepared here and
 * rendered by views/email/*.eta (frame.ts). HTML templates escape everything
 * with `<%= %>`; only the sanitized Markdown HTML goes through `<%~ %>`. Text
 * templates output with `<%~ %>` (no HTML entities in a text/plain part) and
 * receive only plain strings prepared here.
 */

/** What a subscriber chose: every component, or the named components and groups. */
export interface EmailScope {
  all: boolean;
  names: string[];
}

/* ---- Subscriber emails ---- */

/**
 * An incident or maintenance update. `componentNames` gives the name of each
 * component that may be shown, by id, in page order: leave hidden components
 * out (the email leaves out any component it has no name for, as the page
 * does; without the map it lists no components). `scope`, when known, names
 * what the subscriber chose in the footer; otherwise the footer says why in
 * general terms.
 */
export function composeUpdateEmail(
  views: Views,
  page: EmailPage,
  to: EmailRecipient,
  incident: IncidentDetail,
  updateId: string,
  componentNames: ReadonlyMap<string, string> = new Map(),
  scope?: EmailScope,
): ComposedEmail {
  const index = incident.updates.findIndex((u) => u.id === updateId);
  const update = incident.updates[index];
  if (!update) throw new Error(`email: update ${updateId} is not part of incident ${incident.id}`);

  const ctx = emailContext(page, to);
  const format = formatterFor(page.timeZone);
  const title = oneLine(incident.title);
  const statusLabel = INCIDENT_STATUS_LABELS[update.status];
  const maintenance = incident.kind === 'maintenance';
  const incidentUrl = `${ctx.base}/incidents/${encodeURIComponent(incident.id)}`;
  const at = format.dateTime(update.at).text;
  const window =
    maintenance && incident.scheduledFor !== null && incident.scheduledUntil !== null
      ? windowText(format, incident.scheduledFor, incident.scheduledUntil)
      : null;
  // Only the newest update of an open incident carries the promise of the next one.
  const closed = update.status === 'resolved' || update.status === 'completed';
  const nextUpdate =
    index === 0 && !closed && incident.nextUpdateAt !== null && incident.nextUpdateAt > update.at
      ? format.time(incident.nextUpdateAt).text
      : null;
  const components = componentsAfter(incident, index, componentNames).map(({ name, status }) => ({
    name,
    statusLabel: status ? COMPONENT_STATUS_LABELS[status] : null,
    color: status ? COMPONENT_STATUS_COLORS[status] : PALETTE.muted,
  }));
  const bodyText = emailMarkdownText(update.body);
  const reason = scope
    ? `You subscribed to ${ctx.pageName} updates (${scope.all ? 'all components' : scope.names.map(oneLine).join(', ') || 'all components'}).`
    : `You get this email because you subscribed to ${ctx.pageName} updates.`;

  const data = {
    ...ctx.common,
    subject: `[${statusLabel}] ${title}`,
    preheader: preview(`${statusLabel}: ${bodyText.replace(/^[ \t>]*(?:(?:[-*]|\d+\.)[ \t]+)?/gm, '')}`),
    kindLabel: maintenance ? 'Maintenance' : 'Incident',
    title,
    statusLabel,
    at,
    window,
    nextUpdate,
    bodyHtml: emailMarkdownHtml(update.body, ctx.colors.link),
    bodyText,
    components,
    incidentUrl,
    viewLabel: maintenance ? 'View the maintenance' : 'View the incident',
    reason,
    footerLinks: true,
  };
  return renderEmail(views, 'update', ctx, data);
}

/**
 * An incident's customer-facing postmortem, emailed once to the subscribers
 * its updates went to (when the Comms Lead chose so while publishing it).
 * `body` is the public postmortem's Markdown, rendered as update bodies are.
 */
export function composePostmortemEmail(
  views: Views,
  page: EmailPage,
  to: EmailRecipient,
  incident: Pick<IncidentDetail, 'id' | 'title'>,
  body: string,
  scope?: EmailScope,
): ComposedEmail {
  const ctx = emailContext(page, to);
  const title = oneLine(incident.title);
  const incidentUrl = `${ctx.base}/incidents/${encodeURIComponent(incident.id)}`;
  const bodyText = emailMarkdownText(body);
  const reason = scope
    ? `You subscribed to ${ctx.pageName} updates (${scope.all ? 'all components' : scope.names.map(oneLine).join(', ') || 'all components'}).`
    : `You get this email because you subscribed to ${ctx.pageName} updates.`;
  const data = {
    ...ctx.common,
    subject: `Postmortem: ${title}`,
    preheader: preview(bodyText.replace(/^[ \t>#]*(?:(?:[-*]|\d+\.)[ \t]+)?/gm, '')),
    title,
    bodyHtml: emailMarkdownHtml(body, ctx.colors.link),
    bodyText,
    incidentUrl,
    viewLabel: 'View the incident',
    reason,
    footerLinks: true,
  };
  return renderEmail(views, 'postmortem', ctx, data);
}

/** A component's status change outside an incident, as a component email tells it. */
export interface ComponentChange {
  componentName: string;
  /** Its group's name, if it is in one. */
  groupName: string | null;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
  /** When it took its new status (the last change its notice coalesced). */
  at: number;
}

/**
 * A component's status changed outside an incident (by hand or by an alert
 * rule), to a subscriber who opted in to component updates. Sent once the
 * change outlasted the flap window (services/customer-channels/component-notices.ts).
 */
export function composeComponentEmail(views: Views, page: EmailPage, to: EmailRecipient, change: ComponentChange, scope?: EmailScope): ComposedEmail {
  const ctx = emailContext(page, to);
  const format = formatterFor(page.timeZone);
  const name = oneLine(change.componentName);
  const groupName = change.groupName === null ? null : oneLine(change.groupName) || null;
  const statusLabel = COMPONENT_STATUS_LABELS[change.newStatus];
  const oldStatusLabel = COMPONENT_STATUS_LABELS[change.oldStatus];
  const choice = scope ? ` (${scope.all ? 'all components' : scope.names.map(oneLine).join(', ') || 'all components'})` : '';
  const data = {
    ...ctx.common,
    subject: `[${ctx.pageName}] ${name}: ${statusLabel}`,
    preheader: preview(`${name} is now ${statusLabel}, it was ${oldStatusLabel}.`),
    name,
    groupName,
    statusLabel,
    oldStatusLabel,
    statusColor: COMPONENT_STATUS_COLORS[change.newStatus],
    at: format.dateTime(change.at).text,
    pageUrl: `${ctx.base}/`,
    reason: `You get this email because you subscribed to ${ctx.pageName} updates${choice} and chose to hear about component status changes.`,
    footerLinks: true,
  };
  return renderEmail(views, 'component-update', ctx, data);
}

/** Asks a new subscriber to confirm; nothing else is ever sent to an unconfirmed address. */
export function composeConfirmEmail(views: Views, page: EmailPage, to: EmailRecipient, scope: EmailScope): ComposedEmail {
  const ctx = emailContext(page, to);
  const names = scope.names.map(oneLine).filter(Boolean);
  const all = scope.all || names.length === 0;
  const data = {
    ...ctx.common,
    subject: `Confirm your subscription to ${ctx.pageName} updates`,
    preheader: `One click to start getting ${ctx.pageName} status updates by email.`,
    all,
    names,
    confirmUrl: `${ctx.base}/subscribe/confirm/${ctx.token}`,
    reason: `You get this email because this address was entered on the ${ctx.pageName} status page.`,
    footerLinks: false,
  };
  return renderEmail(views, 'confirm', ctx, data);
}

/** Sent instead of a confirmation when a confirmed address signs up again. */
export function composeAlreadySubscribedEmail(views: Views, page: EmailPage, to: EmailRecipient): ComposedEmail {
  const ctx = emailContext(page, to);
  const data = {
    ...ctx.common,
    subject: `You are already subscribed to ${ctx.pageName} updates`,
    preheader: `This address already gets ${ctx.pageName} status updates. Nothing has changed.`,
    reason: `You get this email because this address was entered on the ${ctx.pageName} status page.`,
    footerLinks: true,
  };
  return renderEmail(views, 'already-subscribed', ctx, data);
}

/* ---- Password links (team members, not subscribers) ---- */

/** A one-time password link (`/admin/reset/<token>`) as an email names it. */
export interface PasswordLinkEmail {
  token: string;
  expiresAt: number;
  /** How long links live (RESET_LINK_TTL_MS), for "works once, for 24 hours". */
  validForMs: number;
}

/**
 * "Reset your password": a link the member asked for on the sign-in page
 * (`requestedBy` null), or one an owner created for them on the Team page
 * (`requestedBy` is the owner's name). Transactional: no unsubscribe headers.
 */
export function composePasswordResetEmail(
  views: Views,
  page: EmailPage,
  to: string,
  link: PasswordLinkEmail,
  requestedBy: string | null = null,
): ComposedEmail {
  const ctx = emailContext(page, { email: to, token: '' });
  const data = {
    ...passwordLinkData(ctx, page, link),
    subject: `Reset your password for ${ctx.pageName}`,
    preheader: `A link to choose a new password for ${ctx.pageName}. It works once.`,
    requestedBy: requestedBy === null ? null : oneLine(requestedBy) || 'An owner',
    reason: `You get this email because a password link was created for ${ctx.to} on the ${ctx.pageName} status page.`,
  };
  return renderTransactionalEmail(views, 'password-reset', ctx, data);
}

/** Welcomes a new team member with the link to choose their password. */
export function composeInviteEmail(
  views: Views,
  page: EmailPage,
  to: string,
  link: PasswordLinkEmail,
  invite: { name: string; roleLabel: string; invitedBy: string },
): ComposedEmail {
  const ctx = emailContext(page, { email: to, token: '' });
  const data = {
    ...passwordLinkData(ctx, page, link),
    subject: `You’re invited to the ${ctx.pageName} status page`,
    preheader: `Choose your password to join the ${ctx.pageName} team.`,
    name: oneLine(invite.name),
    roleLabel: oneLine(invite.roleLabel),
    invitedBy: oneLine(invite.invitedBy) || 'An owner',
    reason: `You get this email because an owner of the ${ctx.pageName} status page added ${ctx.to} to its team.`,
  };
  return renderTransactionalEmail(views, 'invite', ctx, data);
}

function passwordLinkData(ctx: EmailContext, page: EmailPage, link: PasswordLinkEmail) {
  const hours = Math.max(1, Math.round(link.validForMs / 3_600_000));
  return {
    ...ctx.common,
    email: ctx.to,
    linkUrl: `${ctx.base}/admin/reset/${encodeURIComponent(link.token)}`,
    signInUrl: `${ctx.base}/admin/login`,
    expires: formatterFor(page.timeZone).dateTime(link.expiresAt).text,
    lifetime: `${hours} hour${hours === 1 ? '' : 's'}`,
    footerLinks: false,
  };
}

/* ---- Text helpers ---- */

/** Text for the inbox preview: one line, about 140 characters. */
function preview(value: string): string {
  const line = oneLine(value);
  return line.length > 140 ? `${line.slice(0, 139).trimEnd()}…` : line;
}

function windowText(format: ReturnType<typeof formatterFor>, from: number, until: number): string {
  const sameDay = format.date(from).text === format.date(until).text;
  return sameDay
    ? `${format.dateTime(from).text} – ${format.time(until).text}`
    : `${format.dateTime(from).text} – ${format.dateTime(until).text}`;
}

/**
 * The components the incident affects as of `index` (updates are newest
 * first), each with the status its latest change up to that update gave it
 * (none if nothing changed it yet, as for announced maintenance). A component
 * first changed by a later update joined the incident after this one and is
 * left out. In the order of `names`, which also leaves out hidden ones.
 */
function componentsAfter(
  incident: IncidentDetail,
  index: number,
  names: ReadonlyMap<string, string>,
): { name: string; status: ComponentStatus | null }[] {
  const status = new Map<string, ComponentStatus>();
  for (const update of incident.updates.slice(index)) {
    for (const change of update.componentChanges) {
      if (!status.has(change.componentId)) status.set(change.componentId, change.newStatus);
    }
  }
  const later = new Set(incident.updates.slice(0, index).flatMap((u) => u.componentChanges.map((c) => c.componentId)));
  const affected = new Set([...status.keys(), ...incident.componentIds.filter((id) => !later.has(id))]);
  const result: { name: string; status: ComponentStatus | null }[] = [];
  for (const [id, name] of names) {
    if (affected.has(id)) result.push({ name: oneLine(name), status: status.get(id) ?? null });
  }
  return result;
}

/* ---- The internal cadence reminder, to an incident's Comms Lead ---- */

export interface InternalReminderEmail {
  incidentId: string;
  title: string;
  severityLabel: string;
  statusLabel: string;
  name: string;
  dueAt: number;
  now: number;
}

/** Tells the Comms Lead the internal update is late, with a link to post one. Internal: never to subscribers. */
export function composeInternalReminderEmail(views: Views, page: EmailPage, to: string, reminder: InternalReminderEmail): ComposedEmail {
  const ctx = emailContext(page, { email: to, token: '' });
  const format = formatterFor(page.timeZone);
  const lateMinutes = minutesLate(reminder.dueAt, reminder.now);
  const title = oneLine(reminder.title);
  const data = {
    ...ctx.common,
    subject: `Internal update overdue: ${reminder.severityLabel} ${title}`,
    preheader: `The next internal update was due ${format.time(reminder.dueAt).text}: late by ${lateMinutes} min.`,
    name: oneLine(reminder.name),
    title,
    severityLabel: oneLine(reminder.severityLabel),
    statusLabel: oneLine(reminder.statusLabel),
    dueText: format.time(reminder.dueAt).text,
    lateText: `${lateMinutes} min`,
    incidentUrl: `${ctx.base}/admin/incidents/${encodeURIComponent(reminder.incidentId)}`,
    reason: `You get this email because you are the Comms Lead of this incident on the ${ctx.pageName} status page, and reminders are on in its settings.`,
    footerLinks: false,
  };
  return renderTransactionalEmail(views, 'internal-reminder', ctx, data);
}

/* ---- Alert escalation, to the members on the escalation list ---- */

export interface AlertEscalationEmail {
  title: string;
  /** "SEV-1 (suggested)". */
  severityLabel: string;
  /** Whole minutes the draft has waited unacknowledged. */
  minutes: number;
  /** The recipient's name. */
  name: string;
  /** The components its rule maps it to (none: not mapped). */
  componentNames: readonly string[];
  alertCount: number;
  /** When the first alert started firing. */
  detectedAt: number;
  /** The draft's admin links (services/alerts/announce.ts draftLinks). */
  links: { admin: string; acknowledge: string; declare: string };
}

/**
 * Tells a member a draft incident from an alert is still unacknowledged, with
 * Acknowledge and Declare links (each asks for sign-in). Internal: never to subscribers.
 */
export function composeAlertEscalationEmail(views: Views, page: EmailPage, to: string, escalation: AlertEscalationEmail): ComposedEmail {
  const ctx = emailContext(page, { email: to, token: '' });
  const format = formatterFor(page.timeZone);
  const title = oneLine(escalation.title);
  const severityLabel = oneLine(escalation.severityLabel);
  const components = escalation.componentNames.map(oneLine).filter(Boolean);
  const data = {
    ...ctx.common,
    subject: `Alert unacknowledged for ${escalation.minutes} min: ${title}`,
    preheader: preview(`${severityLabel}. Nobody has acknowledged it yet: acknowledge it or declare an incident.`),
    name: oneLine(escalation.name),
    title,
    severityLabel,
    minutesText: `${escalation.minutes} min`,
    componentsText: components.length ? components.join(', ') : 'Not mapped to a component',
    alertsText: `${escalation.alertCount} alert${escalation.alertCount === 1 ? '' : 's'}`,
    detectedText: format.dateTime(escalation.detectedAt).text,
    acknowledgeUrl: escalation.links.acknowledge,
    declareUrl: escalation.links.declare,
    draftUrl: escalation.links.admin,
    reason: `You get this email because you are on the alert escalation list of the ${ctx.pageName} status page (its settings name who is emailed).`,
    footerLinks: false,
  };
  return renderTransactionalEmail(views, 'alert-escalation', ctx, data);
}

/* ---- Postmortem reminders (issue 17), to the postmortem's owner ---- */

export interface PostmortemReminderEmail {
  incidentId: string;
  title: string;
  severityLabel: string;
  which: 'due_soon' | 'overdue';
  /** The recipient's name. */
  name: string;
  /** Who owns the postmortem (the recipient, or the one they are told instead of). */
  ownerName: string;
  /** Why this recipient: the owner, the Incident Commander, or an owner of the page. */
  role: 'owner' | 'incident_commander' | 'page_owner';
  dueAt: number;
  now: number;
}

/** A day before the postmortem is due, and once it is overdue, with a link to the editor. Internal: never to subscribers. */
export function composePostmortemReminderEmail(views: Views, page: EmailPage, to: string, reminder: PostmortemReminderEmail): ComposedEmail {
  const ctx = emailContext(page, { email: to, token: '' });
  const format = formatterFor(page.timeZone);
  const title = oneLine(reminder.title);
  const overdue = reminder.which === 'overdue';
  const dueText = format.dateTime(reminder.dueAt).text;
  const span = formatDuration(Math.abs(reminder.dueAt - reminder.now));
  const headline = overdue ? 'Postmortem overdue' : 'Postmortem due soon';
  const why = {
    owner: 'you own its postmortem',
    incident_commander: 'you were its Incident Commander and its postmortem has no owner who can be emailed',
    page_owner: 'you are an owner of the page and its postmortem has no owner or Incident Commander who can be emailed',
  }[reminder.role];
  const data = {
    ...ctx.common,
    subject: `${headline}: ${oneLine(reminder.severityLabel)} ${title}`,
    preheader: overdue ? `It was due ${dueText}: overdue by ${span}.` : `It is due ${dueText}, in ${span}.`,
    headline,
    name: oneLine(reminder.name),
    title,
    severityLabel: oneLine(reminder.severityLabel),
    ownerName: oneLine(reminder.ownerName),
    dueLine: overdue ? `It was due ${dueText} and is overdue by ${span}.` : `It is due ${dueText}, in ${span}.`,
    postmortemUrl: `${ctx.base}/admin/incidents/${encodeURIComponent(reminder.incidentId)}/postmortem`,
    reason: `You get this email because ${why} on the ${ctx.pageName} status page.`,
    footerLinks: false,
  };
  return renderTransactionalEmail(views, 'postmortem-reminder', ctx, data);
}

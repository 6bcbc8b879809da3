import { oneLine } from '../lib/text.js';
import { DRAFT_NOTIFICATION_KINDS, NOTIFICATION_KINDS, type NotificationKind, type Severity } from '../domain/constants.js';

/*
 * The one plain view model of an internal notification (issue 15), from which
 * every destination's message is built. The builders beside this file are
 * pure: they take this model and `now`, and return the JSON body to POST.
 */

export { NOTIFICATION_KINDS, type NotificationKind };

export const NOTIFICATION_HEADLINES: Record<NotificationKind, string> = {
  declaration: 'Incident declared',
  update: 'Incident update',
  severity_change: 'Severity changed',
  role_change: 'Roles changed',
  resolution: 'Incident resolved',
  reminder: 'Internal update overdue',
  test: 'Test message from Herald',
  alert: 'Alert firing, unacknowledged',
  escalation: 'Alert still unacknowledged',
  alert_acknowledged: 'Alert acknowledged',
  postmortem_due_soon: 'Postmortem due soon',
  postmortem_overdue: 'Postmortem overdue',
};

/** Whether a notification is about an alert's draft (its incidentId names the draft, not an incident). */
export function isAboutDraft(kind: NotificationKind): boolean {
  return (DRAFT_NOTIFICATION_KINDS as readonly NotificationKind[]).includes(kind);
}

export interface NotificationLinks {
  /** The incident's admin page (absolute URL). */
  admin: string;
  /** The incident's public page (absolute URL). */
  public: string;
  warRoom?: string | null;
  dashboard?: string | null;
  runbook?: string | null;
  /** An alert's draft: acknowledge it, or declare an incident from it (both ask for sign-in). */
  acknowledge?: string | null;
  declare?: string | null;
}

export interface InternalNotification {
  kind: NotificationKind;
  incidentId: string;
  title: string;
  /** Internal severity (SEV-1 is the worst); SEV-4 is accepted too, the domain has it. */
  severity: Severity;
  /** "SEV-1" or the page's own wording. */
  severityLabel: string;
  /** The status as shown ("Investigating"). */
  status: string;
  /** The update text, Markdown as typed; rendered per platform by the builders. */
  text: string;
  impact?: string | null;
  /** When impact started, epoch milliseconds (UTC). */
  startedAt: number;
  /** When the next update is promised, epoch milliseconds, if any. */
  nextUpdateAt?: number | null;
  roles: { incidentCommander?: string | null; commsLead?: string | null };
  links: NotificationLinks;
  /** True when the same update was also published on the public page. */
  postedOnStatusPage: boolean;
  /** Further label/value facts the caller adds (affected components, the reason of a severity change...). */
  extraFacts?: readonly Fact[];
}

export interface Fact {
  label: string;
  value: string;
}

export interface NamedLink {
  label: string;
  url: string;
}

/** Whole minutes between two instants, never negative. */
export function minutesBetween(from: number, to: number): number {
  return Math.max(0, Math.floor((to - from) / 60_000));
}

/** "just now", "12 min", "2 h 5 min", "3 d 4 h": a duration for people reading a chat message. */
export function humanDuration(minutes: number): string {
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** "N min ago" (or "just now") for an instant before `now`. */
export function ago(at: number, now: number): string {
  const minutes = minutesBetween(at, now);
  return minutes < 1 ? 'just now' : `${humanDuration(minutes)} ago`;
}

/** An instant as "2025-01-02 03:04 UTC": what people read; ISO is in the generic webhook. */
export function utcText(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The facts every platform shows, in order, as plain one-line text. Each
 * builder escapes and truncates them for its own format.
 */
export function notificationFacts(n: InternalNotification, now: number): Fact[] {
  const facts: Fact[] = [
    { label: 'Severity', value: n.severityLabel },
    { label: 'Status', value: n.status },
  ];
  if (n.impact) facts.push({ label: 'Impact', value: n.impact });
  const aboutAlert = isAboutDraft(n.kind);
  facts.push({ label: aboutAlert ? 'Firing since' : 'Started', value: `${utcText(n.startedAt)} (${ago(n.startedAt, now)})` });
  if (n.kind === 'update' || n.kind === 'resolution') {
    facts.push({ label: 'Duration', value: humanDuration(minutesBetween(n.startedAt, now)) });
  }
  if (n.nextUpdateAt != null && n.kind !== 'resolution') facts.push({ label: 'Next update', value: utcText(n.nextUpdateAt) });
  if (n.roles.incidentCommander) facts.push({ label: 'Incident Commander', value: n.roles.incidentCommander });
  if (n.roles.commsLead) facts.push({ label: 'Comms Lead', value: n.roles.commsLead });
  facts.push({ label: 'Status page', value: n.postedOnStatusPage ? 'Posted on the status page' : 'Internal only' });
  for (const fact of n.extraFacts ?? []) facts.push(fact);
  return facts.map((fact) => ({ label: oneLine(fact.label), value: oneLine(fact.value) })).filter((f) => f.label && f.value);
}

/** The links a message offers as buttons, in order; only http(s) URLs (a typed `javascript:` never becomes a button). */
export function notificationLinks(links: NotificationLinks): NamedLink[] {
  const named: NamedLink[] = [];
  if (links.acknowledge) named.push({ label: 'Acknowledge', url: links.acknowledge });
  if (links.declare) named.push({ label: 'Declare incident', url: links.declare });
  named.push({ label: 'Open in Herald', url: links.admin }, { label: 'Public page', url: links.public });
  if (links.warRoom) named.push({ label: 'War room', url: links.warRoom });
  if (links.dashboard) named.push({ label: 'Dashboard', url: links.dashboard });
  if (links.runbook) named.push({ label: 'Runbook', url: links.runbook });
  return named.filter((link) => isWebUrl(link.url));
}

export function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** "[SEV-1] Incident declared: Checkout failing": one line, the notification's gist. */
export function summaryLine(n: InternalNotification): string {
  return oneLine(`[${n.severityLabel}] ${NOTIFICATION_HEADLINES[n.kind]}: ${n.title}`);
}

export const ELLIPSIS = '…';

/**
 * At most `max` UTF-16 code units (what the platforms' length limits count,
 * or more strictly than they do), ending with an ellipsis when cut, never
 * splitting a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';
  let end = max - ELLIPSIS.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, Math.max(0, end)).trimEnd() + ELLIPSIS;
}

/** Like `truncate`, for text holding `&...;` entities: never cuts one in half. */
export function truncateEscaped(text: string, max: number): string {
  const cut = truncate(text, max);
  if (cut === text) return text;
  const body = cut.slice(0, -ELLIPSIS.length);
  const amp = body.lastIndexOf('&');
  const safe = amp >= 0 && body.indexOf(';', amp) < 0 ? body.slice(0, amp) : body;
  return safe.trimEnd() + ELLIPSIS;
}

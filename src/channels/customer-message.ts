import { COMPONENT_STATUS_LABELS, INCIDENT_STATUS_LABELS, type AnyIncidentStatus, type ComponentStatus } from '../domain/constants.js';
import { oneLine } from '../lib/text.js';
import type { CustomerDelivery, CustomerNotification, IncidentNotification } from './customer.js';
import { isWebUrl, utcText, type Fact, type NamedLink } from './message.js';

/*
 * The customer-facing wording of one notification, shared by the Slack,
 * Teams and Discord builders (customer-chat.ts): what the public page says
 * and nothing more. It is built from the stored CustomerNotification, which
 * holds only what /api/v2 publishes, so no internal note, role, severity or
 * admin link can reach a customer's channel.
 */

/** Drives the colour of a message: how bad it is for the reader. */
export type CustomerTone = 'good' | 'maintenance' | 'critical' | 'major' | 'minor' | 'none';

export interface CustomerMessage {
  pageName: string;
  /** "Checkout failing", or "API is now Degraded performance". */
  title: string;
  /** "Incident update", "Incident resolved", "Scheduled maintenance", "Component status". */
  headline: string;
  /** The announced update's text, Markdown as typed; a plain sentence for component notices. */
  text: string;
  /** Label/value lines, plain one-line text; each builder escapes them for its format. */
  facts: Fact[];
  /** View incident, the status page, manage or unsubscribe: http(s) URLs only. */
  links: NamedLink[];
  /** One click, no confirmation page: kept apart from the buttons, in the footer line. */
  unsubscribeUrl: string | null;
  tone: CustomerTone;
  /** "[Acme] Checkout failing: Investigating": one line, for notifications and fallbacks. */
  summary: string;
  /** When the notification was built (ISO 8601): the same on every attempt. */
  timestamp: string;
}

export const MANAGE_LINK_LABEL = 'Manage or unsubscribe';

function statusLabel(status: string): string {
  return INCIDENT_STATUS_LABELS[status as AnyIncidentStatus] ?? status;
}

function componentLabel(status: string): string {
  return COMPONENT_STATUS_LABELS[status as ComponentStatus] ?? status;
}

const TONE_BY_IMPACT: Record<string, CustomerTone> = { critical: 'critical', major: 'major', minor: 'minor', maintenance: 'maintenance' };

const TONE_BY_COMPONENT_STATUS: Record<ComponentStatus, CustomerTone> = {
  operational: 'good',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

function incidentHeadline(n: IncidentNotification): string {
  const { status, incident_updates: updates } = n.incident;
  if (n.maintenance) {
    if (status === 'completed') return 'Maintenance completed';
    if (status === 'in_progress' || status === 'verifying') return 'Maintenance in progress';
    return 'Scheduled maintenance';
  }
  if (status === 'resolved') return 'Incident resolved';
  return updates.length <= 1 ? 'New incident' : 'Incident update';
}

/** The affected components of the announced update, or else the incident's components as they stand. */
function componentFacts(n: IncidentNotification): Fact[] {
  const announced = n.incident.incident_updates[0];
  if (announced && announced.affected_components.length) {
    return announced.affected_components.map((c) => ({
      label: c.name,
      value: c.old_status === c.new_status ? componentLabel(c.new_status) : `${componentLabel(c.new_status)} (was ${componentLabel(c.old_status)})`,
    }));
  }
  return n.incident.components.map((c) => ({ label: c.name, value: componentLabel(c.status) }));
}

function pageLinks(n: CustomerNotification, delivery: Pick<CustomerDelivery, 'manageUrl'>, incidentUrl: string | null): NamedLink[] {
  const links: NamedLink[] = [];
  if (incidentUrl) links.push({ label: n.kind === 'incident' && n.maintenance ? 'View maintenance' : 'View incident', url: incidentUrl });
  links.push({ label: 'Status page', url: n.baseUrl }, { label: MANAGE_LINK_LABEL, url: delivery.manageUrl });
  return links.filter((link) => isWebUrl(link.url));
}

function clean(facts: Fact[]): Fact[] {
  return facts.map((f) => ({ label: oneLine(f.label), value: oneLine(f.value) })).filter((f) => f.label && f.value);
}

export function customerMessage(n: CustomerNotification, delivery: Pick<CustomerDelivery, 'manageUrl' | 'unsubscribeUrl'>): CustomerMessage {
  const pageName = oneLine(n.pageName);
  const unsubscribeUrl = isWebUrl(delivery.unsubscribeUrl) ? delivery.unsubscribeUrl : null;
  const timestamp = new Date(n.generatedAt).toISOString();

  if (n.kind === 'incident') {
    const { incident } = n;
    const status = statusLabel(incident.status);
    const facts: Fact[] = [{ label: 'Status', value: status }];
    if ('scheduled_for' in incident) {
      facts.push({ label: 'Window', value: `${utcText(Date.parse(incident.scheduled_for))} to ${utcText(Date.parse(incident.scheduled_until))}` });
    }
    facts.push(...componentFacts(n));
    const title = oneLine(incident.name);
    const resolved = incident.status === 'resolved' || incident.status === 'completed';
    return {
      pageName,
      title,
      headline: incidentHeadline(n),
      text: incident.incident_updates[0]?.body ?? '',
      facts: clean(facts),
      links: pageLinks(n, delivery, incident.shortlink),
      unsubscribeUrl,
      tone: resolved ? 'good' : n.maintenance ? 'maintenance' : (TONE_BY_IMPACT[incident.impact] ?? 'none'),
      summary: oneLine(`[${pageName}] ${title}: ${status}`),
      timestamp,
    };
  }

  const name = oneLine(n.component.name);
  const now = componentLabel(n.componentUpdate.new_status);
  const was = componentLabel(n.componentUpdate.old_status);
  return {
    pageName,
    title: `${name} is now ${now}`,
    headline: 'Component status',
    text: `${name} is now ${now} (was ${was}).`,
    facts: clean([
      { label: 'Status', value: now },
      { label: 'Previous status', value: was },
      { label: 'Changed', value: utcText(Date.parse(n.componentUpdate.created_at)) },
    ]),
    links: pageLinks(n, delivery, null),
    unsubscribeUrl,
    tone: TONE_BY_COMPONENT_STATUS[n.componentUpdate.new_status] ?? 'none',
    summary: oneLine(`[${pageName}] ${name} is now ${now} (was ${was})`),
    timestamp,
  };
}

/** Why the channel gets the message: the footer line of every customer message. */
export function subscriptionNote(m: CustomerMessage): string {
  return `Sent to this channel because it subscribed to ${m.pageName} status updates.`;
}

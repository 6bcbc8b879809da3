import type { ChannelSubscriberType, ComponentStatus } from '../domain/constants.js';
import type { V2Incident, V2ScheduledMaintenance } from '../presenters/statuspage-v2.js';
import { buildCustomerDiscordMessage, buildCustomerSlackMessage, buildCustomerTeamsMessage } from './customer-chat.js';
import { statuspageWebhookIncident } from './customer-statuspage.js';
import { signWebhook } from './webhook.js';

/*
 * What a customer's channel is sent (issue 18). One CustomerNotification is
 * built per notice when it is first expanded (services/customer-channels/
 * payloads.ts) and stored with it, so every subscriber and every retry gets
 * the same facts; only the per-subscriber links (unsubscribe, manage) and the
 * Standard Webhooks timestamp and signature differ.
 *
 * Webhooks get Atlassian Statuspage's webhook format, key for key, so every
 * existing consumer of Statuspage webhooks works unchanged (the incident is
 * the /api/v2 one plus the webhook-only keys of customer-statuspage.ts);
 * Slack, Teams and Discord get the same message in their own format
 * (customer-chat.ts, worded by customer-message.ts). Customer-facing text
 * only: a notice never holds internal updates, roles or links into the admin.
 */

/** Statuspage's `page` object of a webhook notification. */
export interface StatuspagePageRef {
  id: string;
  status_indicator: string;
  status_description: string;
}

/** Statuspage's `component` object of a component notification. */
export interface StatuspageComponent {
  status: ComponentStatus;
  name: string;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  id: string;
  page_id: string;
  group_id: string | null;
}

/** Statuspage's `component_update` object. */
export interface StatuspageComponentUpdate {
  old_status: ComponentStatus;
  new_status: ComponentStatus;
  created_at: string;
  component_type: 'Component';
  id: string;
  component_id: string;
}

interface NotificationBase {
  /** The page's name and public URL (no trailing slash), for chat messages and links. */
  pageName: string;
  baseUrl: string;
  page: StatuspagePageRef;
  /** When the notification was built (epoch ms): meta.generated_at. */
  generatedAt: number;
}

export interface IncidentNotification extends NotificationBase {
  kind: 'incident';
  /** As /api/v2 shows it (a maintenance with scheduled_for/until); incident_updates newest first, the announced update first. */
  incident: V2Incident | V2ScheduledMaintenance;
  /** Whether it is a scheduled maintenance (wording of chat messages). */
  maintenance: boolean;
}

export interface ComponentNotification extends NotificationBase {
  kind: 'component';
  component: StatuspageComponent;
  componentUpdate: StatuspageComponentUpdate;
}

export type CustomerNotification = IncidentNotification | ComponentNotification;

/** The per-subscriber parts of one delivery. */
export interface CustomerDelivery {
  /** Stable across retries and crashes: the Standard Webhooks webhook-id. */
  messageId: string;
  unsubscribeUrl: string;
  manageUrl: string;
}

export interface CustomerTarget {
  type: ChannelSubscriberType;
  /** Standard Webhooks secret ("whsec_..."), type webhook. */
  signingSecret: string | null;
}

export interface CustomerRequest {
  body: string;
  headers: Record<string, string>;
}

/** Where the webhook format is described: the page's subscribe page. */
export function webhookDocumentationUrl(baseUrl: string): string {
  return `${baseUrl}/subscribe/webhooks`;
}

/** The body of a Statuspage webhook notification, keys in Statuspage's order. */
export function statuspageWebhookBody(n: CustomerNotification, delivery: Pick<CustomerDelivery, 'unsubscribeUrl'>): Record<string, unknown> {
  const meta = { unsubscribe: delivery.unsubscribeUrl, documentation: webhookDocumentationUrl(n.baseUrl), generated_at: new Date(n.generatedAt).toISOString() };
  if (n.kind === 'incident') return { meta, page: n.page, incident: statuspageWebhookIncident(n.incident) };
  return { meta, page: n.page, component_update: n.componentUpdate, component: n.component };
}

export class CustomerRenderError extends Error {}

/**
 * One delivery as the HTTP request its subscriber expects. The body is the
 * same on every attempt; a webhook's signature and timestamp are per attempt
 * (`attemptAt`), as the Standard Webhooks specification wants.
 */
export async function renderForSubscriber(
  target: CustomerTarget,
  n: CustomerNotification,
  delivery: CustomerDelivery,
  attemptAt: number,
): Promise<CustomerRequest> {
  switch (target.type) {
    case 'webhook': {
      if (!target.signingSecret) throw new CustomerRenderError('the webhook subscriber has no signing secret');
      const body = JSON.stringify(statuspageWebhookBody(n, delivery));
      const signed = await signWebhook({ secret: target.signingSecret, id: delivery.messageId, now: attemptAt, body });
      return { body: signed.body, headers: { ...signed.headers } };
    }
    // Chat bodies depend on the notification and the links only: every attempt sends the same bytes.
    case 'slack':
      return { body: JSON.stringify(buildCustomerSlackMessage(n, delivery)), headers: { 'content-type': 'application/json' } };
    case 'teams':
      return { body: JSON.stringify(buildCustomerTeamsMessage(n, delivery)), headers: { 'content-type': 'application/json' } };
    case 'discord':
      return { body: JSON.stringify(buildCustomerDiscordMessage(n, delivery)), headers: { 'content-type': 'application/json' } };
  }
}

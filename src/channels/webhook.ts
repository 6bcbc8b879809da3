import { signSvixPayload } from '../lib/svix.js';
import { markdownToText } from '../presenters/markdown-text.js';
import type { InternalNotification, NotificationKind } from './message.js';
import { notificationLinks } from './message.js';

/*
 * The generic JSON webhook: a documented, versioned body (docs in
 * SECURITY.md and ARCHITECTURE.md), signed per the Standard Webhooks
 * specification (https://www.standardwebhooks.com):
 *   webhook-id         the message id, stable across retries (receivers dedupe on it)
 *   webhook-timestamp  Unix seconds of this attempt
 *   webhook-signature  "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
 * where key is the base64-decoded part of the destination's "whsec_<base64>"
 * secret. Standard Webhooks is Svix's scheme under a vendor-neutral name, so
 * the signing itself is lib/svix.ts's (Web Crypto only).
 */

export const WEBHOOK_BODY_VERSION = 1;

export const WEBHOOK_EVENT_TYPES: Record<NotificationKind, string> = {
  declaration: 'incident.declared',
  update: 'incident.updated',
  severity_change: 'incident.severity_changed',
  role_change: 'incident.roles_changed',
  resolution: 'incident.resolved',
  reminder: 'incident.internal_update_overdue',
  test: 'destination.test',
  alert: 'alert.firing',
  escalation: 'alert.unacknowledged',
  alert_acknowledged: 'alert.acknowledged',
  postmortem_due_soon: 'postmortem.due_soon',
  postmortem_overdue: 'postmortem.overdue',
};

export interface WebhookBody {
  version: typeof WEBHOOK_BODY_VERSION;
  type: string;
  /** When the event was built (ISO 8601, UTC). */
  timestamp: string;
  data: {
    incident: {
      id: string;
      title: string;
      severity: number;
      severity_label: string;
      status: string;
      impact: string | null;
      started_at: string;
      next_update_at: string | null;
      admin_url: string;
      public_url: string;
    };
    update: { text_markdown: string; text_plain: string; posted_on_status_page: boolean };
    roles: { incident_commander: string | null; comms_lead: string | null };
    /** acknowledge and declare: for an alert's draft (alert.firing, alert.unacknowledged); null otherwise. */
    links: { war_room: string | null; dashboard: string | null; runbook: string | null; acknowledge: string | null; declare: string | null };
    facts: { label: string; value: string }[];
  };
}

function linkOrNull(url: string | null | undefined): string | null {
  return url && notificationLinks({ admin: url, public: '' }).length ? url : null;
}

export function buildWebhookBody(n: InternalNotification, now: number): WebhookBody {
  return {
    version: WEBHOOK_BODY_VERSION,
    type: WEBHOOK_EVENT_TYPES[n.kind],
    timestamp: new Date(now).toISOString(),
    data: {
      incident: {
        id: n.incidentId,
        title: n.title,
        severity: n.severity,
        severity_label: n.severityLabel,
        status: n.status,
        impact: n.impact ?? null,
        started_at: new Date(n.startedAt).toISOString(),
        next_update_at: n.nextUpdateAt != null ? new Date(n.nextUpdateAt).toISOString() : null,
        admin_url: n.links.admin,
        public_url: n.links.public,
      },
      update: { text_markdown: n.text, text_plain: markdownToText(n.text), posted_on_status_page: n.postedOnStatusPage },
      roles: { incident_commander: n.roles.incidentCommander ?? null, comms_lead: n.roles.commsLead ?? null },
      links: { war_room: linkOrNull(n.links.warRoom), dashboard: linkOrNull(n.links.dashboard), runbook: linkOrNull(n.links.runbook),
        acknowledge: linkOrNull(n.links.acknowledge),
        declare: linkOrNull(n.links.declare),
      },
      facts: (n.extraFacts ?? []).map((fact) => ({ label: fact.label, value: fact.value })),
    },
  };
}

const SECRET_PREFIX = 'whsec_';
/** The spec wants 24 to 64 random bytes; 32 is what its reference libraries generate. */
const SECRET_BYTES = 32;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A new signing secret, "whsec_" + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** True for a "whsec_<base64>" secret of 24 to 64 bytes, the form the spec gives receivers. */
export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  try {
    const length = atob(secret.slice(SECRET_PREFIX.length)).length;
    return length >= 24 && length <= 64;
  } catch {
    return false;
  }
}

export interface SignedWebhook {
  body: string;
  headers: Record<'content-type' | 'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
}

export interface SignWebhookInput {
  secret: string;
  /** Stable per message across retries; no "." (the spec forbids it: it delimits the signed content). */
  id: string;
  /** This attempt's time, epoch milliseconds. */
  now: number;
  /** The exact body to send; it is signed byte for byte. */
  body: string;
}

/** The headers of a Standard Webhooks message. Throws on an unusable secret or id (caller bugs, not input). */
export async function signWebhook(input: SignWebhookInput): Promise<SignedWebhook> {
  if (!isWebhookSecret(input.secret)) throw new Error('webhook: the secret must be "whsec_" and base64 of 24 to 64 bytes');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(input.id)) throw new Error('webhook: the message id must be 1-128 of [A-Za-z0-9_-]');
  const timestamp = Math.floor(input.now / 1000);
  const signature = await signSvixPayload(input.secret, input.id, timestamp, input.body);
  return {
    body: input.body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': input.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
  };
}

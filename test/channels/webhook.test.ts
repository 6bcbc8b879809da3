// The generic JSON webhook: its documented body, and Standard Webhooks
// signatures checked by the spec's own reference library (npm `standardwebhooks`).
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { buildWebhookBody, generateWebhookSecret, isWebhookSecret, signWebhook } from '../../src/channels/webhook.js';
import { NOW, notification } from './fixtures.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('buildWebhookBody', () => {
  it('writes the versioned, documented body', () => {
    expect(buildWebhookBody(notification({ extraFacts: [{ label: 'Components', value: 'Checkout, Payments' }] }), NOW)).toEqual({
      version: 1,
      type: 'incident.declared',
      timestamp: '2025-03-04T05:06:00.000Z',
      data: {
        incident: {
          id: 'inc_abc123def4',
          title: 'Checkout failing for EU customers',
          severity: 1,
          severity_label: 'SEV-1',
          status: 'Investigating',
          impact: 'EU customers cannot pay',
          started_at: '2025-03-04T04:54:00.000Z',
          next_update_at: '2025-03-04T05:21:00.000Z',
          admin_url: 'https://status.example.com/admin/incidents/inc_abc123def4',
          public_url: 'https://status.example.com/incidents/inc_abc123def4',
        },
        update: {
          text_markdown: 'We see **errors** on checkout.\n\n- payments time out\n- carts are kept',
          text_plain: 'We see errors on checkout.\n\n- payments time out\n- carts are kept',
          posted_on_status_page: true,
        },
        roles: { incident_commander: 'Ada Lovelace', comms_lead: '@grace' },
        links: { war_room: 'https://meet.example.com/war-room', dashboard: null, runbook: 'https://wiki.example.com/runbooks/checkout', acknowledge: null, declare: null },
        facts: [{ label: 'Components', value: 'Checkout, Payments' }],
      },
    });
  });

  it.each([
    ['declaration', 'incident.declared'],
    ['update', 'incident.updated'],
    ['severity_change', 'incident.severity_changed'],
    ['role_change', 'incident.roles_changed'],
    ['resolution', 'incident.resolved'],
    ['test', 'destination.test'],
  ] as const)('types a %s as %s', (kind, type) => {
    expect(buildWebhookBody(notification({ kind }), NOW).type).toBe(type);
  });

  it('drops a link that is not http(s)', () => {
    expect(buildWebhookBody(notification({ links: { admin: 'https://a.example/a', public: 'https://a.example/', runbook: 'javascript:alert(1)' } }), NOW).data.links.runbook).toBeNull();
  });
});

describe('signWebhook', () => {
  it('signs exactly as the reference library does', async () => {
    const body = JSON.stringify(buildWebhookBody(notification(), NOW));
    const signed = await signWebhook({ secret: SECRET, id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', now: NOW + 999, body });
    expect(signed.headers['webhook-timestamp']).toBe(String(NOW / 1000));
    expect(signed.headers['webhook-signature']).toBe(new Webhook(SECRET).sign('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', new Date(NOW), body));
    expect(signed.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('verifies with the standardwebhooks package, and fails when the body, id or secret differ', async () => {
    // The library checks the timestamp against the real clock, so this test signs at the real time.
    const body = JSON.stringify(buildWebhookBody(notification(), Date.now()));
    const { headers } = await signWebhook({ secret: SECRET, id: 'evt_1', now: Date.now(), body });
    expect(new Webhook(SECRET).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(SECRET).verify(body.replace('SEV-1', 'SEV-3'), headers)).toThrow(/signature/i);
    expect(() => new Webhook(SECRET).verify(body, { ...headers, 'webhook-id': 'evt_2' })).toThrow(/signature/i);
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(/signature/i);
  });

  it('is refused by the library when the timestamp is too old or in the future', async () => {
    const body = '{"version":1}';
    const old = await signWebhook({ secret: SECRET, id: 'evt_old', now: Date.now() - 10 * 60_000, body });
    expect(() => new Webhook(SECRET).verify(body, old.headers)).toThrow(/too old/i);
    const future = await signWebhook({ secret: SECRET, id: 'evt_new', now: Date.now() + 10 * 60_000, body });
    expect(() => new Webhook(SECRET).verify(body, future.headers)).toThrow(/too new/i);
  });

  it.each(['msg.1', '', 'a b', 'x'.repeat(129)])('refuses the message id %j', async (id) => {
    await expect(signWebhook({ secret: SECRET, id, now: NOW, body: '{}' })).rejects.toThrow(/message id/);
  });

  it.each(['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_', 'whsec_c2hvcnQ=', 'whsec_!!!'])('refuses the secret %j', async (secret) => {
    await expect(signWebhook({ secret, id: 'evt_1', now: NOW, body: '{}' })).rejects.toThrow(/secret/);
  });
});

describe('generateWebhookSecret', () => {
  it('makes distinct whsec_ secrets of 32 random bytes that the library accepts', () => {
    const secrets = new Set(Array.from({ length: 20 }, generateWebhookSecret));
    expect(secrets.size).toBe(20);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(isWebhookSecret(secret)).toBe(true);
      expect(() => new Webhook(secret)).not.toThrow();
    }
  });
});

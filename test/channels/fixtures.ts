import type { InternalNotification } from '../../src/channels/message.js';

/** 2025-03-04 05:06:00 UTC: the fixed "now" of the builder tests. */
export const NOW = Date.UTC(2025, 2, 4, 5, 6, 0);

export function notification(overrides: Partial<InternalNotification> = {}): InternalNotification {
  return {
    kind: 'declaration',
    incidentId: 'inc_abc123def4',
    title: 'Checkout failing for EU customers',
    severity: 1,
    severityLabel: 'SEV-1',
    status: 'Investigating',
    text: 'We see **errors** on checkout.\n\n- payments time out\n- carts are kept',
    impact: 'EU customers cannot pay',
    startedAt: NOW - 12 * 60_000,
    nextUpdateAt: NOW + 15 * 60_000,
    roles: { incidentCommander: 'Ada Lovelace', commsLead: '@grace' },
    links: {
      admin: 'https://status.example.com/admin/incidents/inc_abc123def4',
      public: 'https://status.example.com/incidents/inc_abc123def4',
      warRoom: 'https://meet.example.com/war-room',
      dashboard: null,
      runbook: 'https://wiki.example.com/runbooks/checkout',
    },
    postedOnStatusPage: true,
    ...overrides,
  };
}

/** Thirty facts, each longer than any platform's field limit. */
export function manyLongFacts(): { label: string; value: string }[] {
  return Array.from({ length: 30 }, (_, i) => ({ label: `Component ${i + 1}`, value: `v${i}`.padEnd(2500, 'x') }));
}

/** The nasty inputs every builder must survive. */
export const NASTY_TEXTS: [string, string][] = [
  ['a <script> tag', 'Hello <script>alert(1)</script> & <b>bold</b> <!channel> <users/all>'],
  ['an @everyone ping', '@everyone @here please look <@123456789>'],
  ['emoji and non-ASCII', '🔥 Zahlungsausfall – ça ne marche pas, 東京リージョン 👩‍💻'],
  ['a very long text', 'word '.repeat(5000)],
];

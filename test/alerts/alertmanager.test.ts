// The real Prometheus Alertmanager in front of the real Herald (issue 16).
//
// Herald runs as `npm start` does (the Node entry, tsx, its own SQLite
// file); Alertmanager (Debian's prometheus-alertmanager) runs with a webhook
// receiver pointing at /api/v1/alerts/alertmanager with an `alerts` token in
// `http_config.authorization`, exactly as docs/alerts.md tells users to.
// Alerts go in through Alertmanager's own API, as Prometheus posts them.
// Everything is checked on outcomes (rows in Herald's database, Alertmanager's
// own notification counters), polled with a generous deadline: no sleeps.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { newId } from '../../src/lib/ids.js';
import { createRule } from '../../src/services/alerts/rules.js';
import { createApiToken } from '../../src/services/auth/api-tokens.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { killAlertmanagers, startAlertmanager, writeAlertmanagerConfig, type Alertmanager, type PostableAlert } from '../support/alertmanager.js';
import { testConfig } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';
import { startReceiver, type FakeReceiver } from '../support/fake-receivers.js';
import { getFresh, killAll, removeTempDirs, startHerald, tempDir, type Herald } from '../faults/support.js';

const DEADLINE_MS = 60_000;

/** Polls `read` until `done` holds for what it returns; fails with the last value after the deadline. */
async function until<T>(what: string, read: () => T | Promise<T>, done: (value: T) => boolean, deadlineMs = DEADLINE_MS): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${deadlineMs / 1000} s; last seen ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface DraftRow {
  id: string;
  title: string;
  status: string;
  severity: number | null;
  componentIds: string;
  detectedAt: number;
  source: string;
}
interface AlertRow {
  id: string;
  draftId: string;
  dedupeKey: string;
  status: string;
  startsAt: number;
  endsAt: number | null;
  firingKey: string | null;
}

let herald: Herald | undefined;
let am: Alertmanager | undefined;
let receiver: FakeReceiver | undefined;
let sqlite: BetterSqlite3.Database | undefined;

afterAll(async () => {
  killAlertmanagers();
  killAll();
  sqlite?.close();
  await receiver?.close();
  removeTempDirs();
});

// Whole seconds: what Alertmanager sends back is what was posted, to the millisecond.
const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * 60_000);

function checkoutAlert(instance: string, endsAt?: Date): PostableAlert {
  return {
    labels: { alertname: 'CheckoutErrors', service: 'payments', severity: 'critical', instance },
    annotations: {
      summary: 'Checkout error rate above 5%',
      description: `Instance ${instance} fails 7% of checkout requests.`,
      runbook_url: 'https://runbooks.example.com/checkout-errors',
    },
    startsAt: startedAt.toISOString(),
    ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
    generatorURL: 'http://prometheus.example.com/graph?g0.expr=checkout_errors',
  };
}
const firing = [checkoutAlert('web-1'), checkoutAlert('web-2')];

describe('the real Alertmanager posting to Herald', { timeout: 300_000 }, () => {
  let paymentsId = '';
  let configFile = '';
  let storagePath = '';

  beforeAll(async () => {
    const dir = tempDir('herald-alertmanager-');
    mkdirSync(join(dir, 'data'));
    const databasePath = join(dir, 'data', 'herald.db');
    storagePath = join(dir, 'alertmanager');
    receiver = await startReceiver('webhook');

    // What an admin sets up first: a component, a rule, an `alerts` token, and a team channel.
    const setup = createNodeDeps({ config: testConfig(), databasePath });
    paymentsId = await makeComponent(setup, { name: 'Payments' });
    await createRule(setup, FIXTURE_ACTOR, {
      name: 'Payments errors',
      matchers: { service: 'payments', severity: 'critical' },
      componentIds: [paymentsId],
      severity: 1,
      autoComponentStatus: 'partial_outage',
    });
    const { token } = await createApiToken(setup, FIXTURE_ACTOR, { name: 'alertmanager', scope: 'alerts' });
    const now = Date.now();
    await setup.db.atomic([
      setup.repos.destinations.insert({
        id: newId(),
        name: '#incidents',
        type: 'webhook',
        url: receiver.url,
        signingSecret: receiver.secret,
        createdAt: now,
        updatedAt: now,
      }),
    ]);
    setup.db.close();

    herald = await startHerald(databasePath, { OUTBOUND_ALLOW_LOOPBACK: '1' });
    sqlite = new BetterSqlite3(databasePath, { readonly: true });

    // The docs' block, with short waits: Alertmanager repeats a still-firing group every ~2-3 s here.
    configFile = writeAlertmanagerConfig(
      dir,
      `route:
  receiver: herald
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: herald
    webhook_configs:
      - url: ${herald.url}/api/v1/alerts/alertmanager
        send_resolved: true
        max_alerts: 1000
        http_config:
          authorization:
            type: Bearer
            credentials: ${token}
`,
    );
    am = await startAlertmanager({ configFile, storagePath });
  });

  const drafts = (): DraftRow[] =>
    sqlite!
      .prepare('SELECT id, title, status, severity, component_ids AS componentIds, detected_at AS detectedAt, source FROM alert_drafts')
      .all() as DraftRow[];
  const alerts = (): AlertRow[] =>
    sqlite!
      .prepare(
        'SELECT id, draft_id AS draftId, dedupe_key AS dedupeKey, status, starts_at AS startsAt, ends_at AS endsAt, firing_key AS firingKey FROM alerts ORDER BY id',
      )
      .all() as AlertRow[];
  const count = (table: string): number => (sqlite!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const paymentsStatus = (): string => (sqlite!.prepare('SELECT status FROM components WHERE id = ?').get(paymentsId) as { status: string }).status;
  /** Notifications Herald answered 2xx; every one must have been (a 401, 400 or 500 would count as failed). */
  const accepted = async (): Promise<number> => {
    const counts = await am!.webhookCounts();
    expect(counts, `Alertmanager saw failed notifications:\n${am!.output()}\n${herald!.stdout()}`).toMatchObject({ requestsFailed: 0, notificationsFailed: 0 });
    return counts.requests;
  };

  let firstAlerts: AlertRow[] = [];

  it('turns one grouped notification of two alerts into exactly one draft, announced once', async () => {
    await am!.postAlerts(firing);
    // Both alerts of the group (Alertmanager flushes an old alert's group at once, so in
    // principle the second could come in the next flush: one draft either way).
    await until('both alerts in Herald', alerts, (rows) => rows.length >= 2);
    await until('the notification accepted', accepted, (n) => n >= 1);

    const [draft, ...more] = drafts();
    expect(more).toEqual([]);
    expect(draft).toMatchObject({
      title: 'CheckoutErrors: Checkout error rate above 5%',
      status: 'open',
      severity: 1,
      source: 'alertmanager',
      detectedAt: startedAt.getTime(),
    });
    expect(JSON.parse(draft!.componentIds)).toEqual([paymentsId]);
    firstAlerts = alerts();
    expect(firstAlerts).toHaveLength(2);
    for (const alert of firstAlerts) {
      expect(alert).toMatchObject({ draftId: draft!.id, status: 'firing', startsAt: startedAt.getTime(), endsAt: null });
      expect(alert.dedupeKey).toMatch(/^[0-9a-f]{16}$/); // Alertmanager's fingerprint
    }
    expect(new Set(firstAlerts.map((a) => a.dedupeKey)).size).toBe(2);
    // The rule opted in: the component shows the outage while the alert fires.
    expect(paymentsStatus()).toBe('partial_outage');
    // Nothing public: no incident, nothing on the public API.
    expect(count('incidents')).toBe(0);
    const unresolved = await getFresh(`${herald!.url}/api/v2/incidents/unresolved.json`);
    expect(JSON.parse(unresolved.body)).toMatchObject({ incidents: [] });

    // The team's channel hears of it once, with the draft's Acknowledge and Declare links.
    const [message] = await receiver!.waitFor(1, DEADLINE_MS);
    expect(message!.problems).toEqual([]);
    expect(message!.json).toMatchObject({
      type: 'alert.firing',
      data: {
        incident: { id: draft!.id, severity_label: 'SEV-1 (suggested)' },
        links: {
          acknowledge: `${herald!.url}/admin/alerts/${draft!.id}/acknowledge`,
          declare: `${herald!.url}/admin/incidents/new?alert=${draft!.id}`,
        },
        update: { posted_on_status_page: false },
      },
    });
  });

  it("changes nothing on Alertmanager's repeats (repeat_interval)", async () => {
    const seen = await accepted();
    // Two more notifications of the same still-firing group, each answered 2xx by Herald.
    await until('two repeats accepted', accepted, (total) => total >= seen + 2);
    expect(drafts()).toHaveLength(1);
    expect(alerts()).toEqual(firstAlerts);
    expect(count('destination_deliveries')).toBe(1);
    expect(count('incidents')).toBe(0);
  });

  it('creates no duplicate when Alertmanager is killed and started again on the same storage', async () => {
    await am!.stop('SIGKILL');
    am = await startAlertmanager({ configFile, storagePath });
    // Alertmanager keeps alerts in memory only (its storage holds silences and
    // the notification log): Prometheus posts every firing alert again on its
    // next evaluation, and so does this test.
    await am.postAlerts(firing);
    await until('a notification from the new Alertmanager accepted', accepted, (total) => total >= 1);
    expect(drafts()).toHaveLength(1);
    expect(drafts()[0]!.status).toBe('open');
    expect(alerts()).toEqual(firstAlerts);
    expect(count('destination_deliveries')).toBe(1);
  });

  it('records the resolution: both alerts end, the draft closes as resolved, the component goes back', async () => {
    const endedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1_000);
    await am!.postAlerts([checkoutAlert('web-1', endedAt), checkoutAlert('web-2', endedAt)]);
    const [draft] = await until('the draft resolved', drafts, (rows) => rows[0]?.status === 'resolved');
    await accepted();

    const ended = alerts();
    expect(ended.map((a) => a.id)).toEqual(firstAlerts.map((a) => a.id));
    for (const alert of ended) expect(alert).toMatchObject({ draftId: draft!.id, status: 'resolved', endsAt: endedAt.getTime(), firingKey: null });
    expect(paymentsStatus()).toBe('operational');
    expect(drafts()).toHaveLength(1);
    expect(count('incidents')).toBe(0);

    // One message reached the channel, whatever the repeats and the restart: one webhook-id.
    expect(new Set(receiver!.received.map((r) => String(r.headers['webhook-id']))).size).toBe(1);
    expect(count('destination_deliveries')).toBe(1);
  });
});

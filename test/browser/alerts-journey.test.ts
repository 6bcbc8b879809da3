import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../../src/domain/calendar.js';
import { systemClock } from '../../src/deps.js';
import { createNodeDeps, type NodeDeps } from '../../src/entry/node-deps.js';
import { createRule } from '../../src/services/alerts/rules.js';
import { createApiToken } from '../../src/services/auth/api-tokens.js';
import { createDeliveryDrainer } from '../../src/services/destinations/deliveries.js';
import { createDestination } from '../../src/services/destinations/manage.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { signIn, TEST_PASSWORD } from '../support/admin.js';
import { launchChromium, serveApp } from '../support/browser.js';
import { MemoryLogger, testConfig } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';
import { startReceiver, type FakeReceiver } from '../support/fake-receivers.js';

/**
 * Issue 16's journey in a real browser, on the real clock (the issue asks
 * for the first public update within 60 s of the alert): Alertmanager posts
 * a firing alert with an `alerts` token; the team's Slack hears "Alert
 * firing, unacknowledged" with an Acknowledge link; the Comms Lead, signed
 * out, on a phone, opens it, signs in, lands back on it, acknowledges,
 * opens Declare, finds the form filled in from the alert, and publishes.
 * The public page shows the first update; the incident records when the
 * alert started (detected_at) and who acknowledged it when.
 */
let browser: Browser;
let deps: NodeDeps;
let herald: { url: string; close(): Promise<void> };
let slack: FakeReceiver;
let alertsToken: string;

const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  browser = await launchChromium();
  slack = await startReceiver('slack');
  const base = createNodeDeps({ config: testConfig(), databasePath: ':memory:', clock: systemClock, log: new MemoryLogger() });
  await initializePage(base);
  const drainer = createDeliveryDrainer(base);
  deps = { ...base, wakeOutbox: () => void drainer.drain(30_000) };
  const payments = await makeComponent(deps, { name: 'Payments API', startedAt: Date.now() - 30 * DAY });
  await createRule(deps, FIXTURE_ACTOR, { name: 'Payments', matchers: { service: 'payments' }, componentIds: [payments], severity: 1 });
  await createDestination(deps, FIXTURE_ACTOR, { name: '#incidents', type: 'slack', url: slack.url });
  alertsToken = (await createApiToken(deps, FIXTURE_ACTOR, { name: 'alertmanager', scope: 'alerts' })).token;
  await signIn(deps, 'comms', 'lead@example.com');
  herald = await serveApp(deps);
});

afterAll(async () => {
  await herald?.close();
  await slack?.close();
  await browser?.close();
});

describe('from an alert to a published incident', () => {
  it('the Comms Lead acknowledges on a phone from the chat link, declares from the pre-filled form, and customers read it within a minute', async () => {
    // Alertmanager's webhook: one firing alert, started 90 s before it reached Herald (group_wait and friends).
    const startsAt = new Date(Date.now() - 90_000).toISOString();
    const posted = await fetch(`${herald.url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alertsToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="PaymentsErrors"}',
        status: 'firing',
        receiver: 'herald',
        groupLabels: { alertname: 'PaymentsErrors' },
        commonLabels: { alertname: 'PaymentsErrors', service: 'payments', severity: 'critical' },
        commonAnnotations: { summary: 'Payments API 5xx above 5%' },
        externalURL: 'http://alertmanager.example:9093',
        truncatedAlerts: 0,
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'PaymentsErrors', service: 'payments', severity: 'critical' },
            annotations: { summary: 'Payments API 5xx above 5%', runbook_url: 'https://runbooks.example/payments' },
            startsAt,
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.example:9090/graph?g0.expr=rate',
            fingerprint: 'c0ffee0123456789',
          },
        ],
      }),
    });
    expect(posted.status).toBe(200);
    const draftId = ((await posted.json()) as { drafts: string[] }).drafts[0]!;
    const [alertRow] = await deps.repos.alerts.alertsOf(draftId);
    expect(alertRow).toBeDefined();

    // The team's channel hears of it, with the Acknowledge link.
    const [announced] = await slack.waitFor(1);
    const message = JSON.stringify(announced!.json);
    expect(message).toContain('Alert firing, unacknowledged');
    const link = new RegExp(`https?://[^"\\\\]+(/admin/alerts/${draftId}/acknowledge)`).exec(message);
    expect(link, message).not.toBeNull();

    // Signed out, on a phone: the link asks for sign-in and comes back.
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${herald.url}${link![1]}`);
    await expect.poll(() => page.url()).toContain('/admin/login');
    await page.getByLabel('Email').fill('lead@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.url()).toBe(`${herald.url}/admin/alerts/${draftId}/acknowledge`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Acknowledge: PaymentsErrors: Payments API 5xx above 5%');
    // Opening the link changed nothing.
    expect((await deps.repos.alerts.findDraft(draftId))!.acknowledgedAt).toBeNull();

    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await expect.poll(() => page.locator('[role=status]').innerText()).toContain('Acknowledged');
    const acknowledged = (await deps.repos.alerts.findDraft(draftId))!;
    expect(acknowledged.acknowledgedBy).toBe('Test comms <lead@example.com>');
    expect(acknowledged.acknowledgedAt).not.toBeNull();

    await page.getByRole('link', { name: 'Declare incident' }).click();
    await expect.poll(() => page.url()).toContain(`/admin/incidents/new?alert=${draftId}`);
    // Filled in from the alert: the title, SEV-1 (the rule's), the component, the investigating template with the service.
    expect(await page.getByLabel(/^Title/).inputValue()).toBe('PaymentsErrors: Payments API 5xx above 5%');
    expect(await page.getByRole('radio', { name: /SEV-1/ }).isChecked()).toBe(true);
    expect(await page.getByLabel(/Payments API/).inputValue()).toBe('major_outage');
    expect(await page.getByLabel(/^Affected service/).inputValue()).toBe('Payments API');
    expect(await page.getByLabel(/^Message to customers/).inputValue()).toContain('You may see {{impact}} when using {{affected_service}}.');
    await page.getByLabel(/^Impact/).fill('failed card payments');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => page.locator('[role=status]').first().innerText()).toContain('Published');
    const incidentId = /\/admin\/incidents\/([a-z0-9]+)/.exec(page.url())![1]!;
    // The incident page keeps the alert history.
    expect(await page.locator('#alerts').innerText()).toContain('Payments API 5xx above 5%');
    await context.close();

    // Customers read it.
    const reader = await browser.newContext();
    const publicPage = await reader.newPage();
    await publicPage.goto(`${herald.url}/incidents/${incidentId}`);
    expect(await publicPage.locator('main').innerText()).toContain('You may see failed card payments when using Payments API.');
    await reader.close();

    const incident = (await deps.repos.incidents.findById(incidentId))!;
    const firstUpdate = incident.updates[incident.updates.length - 1]!;
    // The bar: the first public update within 60 s of the alert reaching Herald.
    expect(firstUpdate.at - alertRow!.receivedAt).toBeLessThan(60_000);
    expect(incident).toMatchObject({
      alertDraftId: draftId,
      detectionSource: 'alert',
      detectedAt: Date.parse(startsAt),
      acknowledgedAt: acknowledged.acknowledgedAt,
      acknowledgedBy: 'Test comms <lead@example.com>',
      severity: 1,
    });
    expect((await deps.repos.alerts.findDraft(draftId))!.status).toBe('declared');

    // The channel heard the acknowledgement and the declaration too, in order.
    const received = await slack.waitFor(3);
    expect(received.map((r) => (r.json as { text: string }).text)).toEqual([
      expect.stringContaining('Alert firing'),
      expect.stringContaining('Alert acknowledged'),
      expect.stringContaining('Incident declared'),
    ]);
  }, 90_000);
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../src/channels/slack.js';
import { DAY } from '../../src/domain/calendar.js';
import { createDeliveryDrainer } from '../../src/services/destinations/deliveries.js';
import { signIn, TEST_PASSWORD } from '../support/admin.js';
import { launchChromium, serveApp } from '../support/browser.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';
import { startReceiver, type FakeReceiver } from '../support/fake-receivers.js';

/**
 * Issue 15's journey in a real browser: an admin connects a Slack channel
 * that wants SEV-1 only and sends it a test message; the Comms Lead, on a
 * phone, declares a SEV-1 with an Ops Lead who has no account; the channel
 * receives the declaration (a fake Slack on loopback that checks Block Kit's
 * limits), naming the Comms Lead as IC and Comms Lead and the Ops Lead; a
 * SEV-3 declared next never reaches it. Herald's deliveries are drained the
 * way the Worker drains them: every successful write wakes the drainer.
 */
let browser: Browser;
let deps: TestDeps;
let herald: { url: string; close(): Promise<void> };
let slack: FakeReceiver;

beforeAll(async () => {
  browser = await launchChromium();
  slack = await startReceiver('slack');
  const base = await createTestDeps({ now: Date.now() });
  const drainer = createDeliveryDrainer(base);
  deps = { ...base, wakeOutbox: () => void drainer.drain(30_000) };
  await makeComponent(deps, { name: 'Checkout API', startedAt: Date.now() - 30 * DAY });
  herald = await serveApp(deps);
});

afterAll(async () => {
  await herald?.close();
  await slack?.close();
  await browser?.close();
});

async function signedIn(role: 'admin' | 'comms', email: string, viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
  await signIn(deps, role, email);
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${herald.url}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.url()).not.toContain('/login');
  return { context, page };
}

function textOf(message: SlackMessage): string {
  return JSON.stringify(message.blocks);
}

describe('internal channels, end to end', () => {
  it('an admin connects Slack; a SEV-1 declared on a phone with roles arrives there, a SEV-3 does not', async () => {
    const admin = await signedIn('admin', 'admin@example.com', { width: 1280, height: 900 });
    await admin.page.goto(`${herald.url}/admin/destinations/new`);
    await admin.page.getByLabel('Name').fill('#incidents');
    await admin.page.getByLabel('Type').selectOption('slack');
    await admin.page.getByLabel(/^Webhook URL/).fill(slack.url);
    await admin.page.getByRole('radio', { name: 'Only these:' }).check();
    await admin.page.getByRole('checkbox', { name: /SEV-1/ }).check();
    await admin.page.getByRole('button', { name: 'Save destination' }).click();
    await expect.poll(() => admin.page.locator('main').innerText()).toContain('#incidents');
    // The URL's secret part is never shown back.
    expect(await admin.page.content()).not.toContain('SECRET-TOKEN');

    await admin.page.getByRole('button', { name: 'Send test message' }).click();
    const [test] = await slack.waitFor(1);
    expect((test!.json as SlackMessage).text).toContain('Test message from Herald');
    await admin.context.close();

    const lead = await signedIn('comms', 'lead@example.com', { width: 390, height: 844 });
    const page = lead.page;
    await page.goto(`${herald.url}/admin/incidents/new`);
    await page.getByLabel('Title').fill('Card payments failing');
    await page.getByRole('radio', { name: /SEV-1/ }).check();
    await page.getByLabel('Message to customers').fill('Card payments fail for some customers. We are investigating.');
    await page.getByLabel('Checkout API').selectOption('major_outage');
    await page.getByText('Roles and links').click();
    await page.locator('#role_ops_lead').selectOption('_name');
    await page.locator('#role_ops_lead_name').fill('@grace');
    await page.getByLabel(/^War room URL/).fill('https://meet.example.com/checkout');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.locator('[role=status]').innerText()).toContain('Published');

    // The pinned header names who runs it.
    const header = await page.locator('main').innerText();
    expect(header).toContain('@grace');
    expect(header).toContain('Test comms');

    const [, declaration] = await slack.waitFor(2);
    const message = declaration!.json as SlackMessage;
    expect(message.text).toContain('[SEV-1] Incident declared: Card payments failing');
    const blocks = textOf(message);
    expect(blocks).toContain('Card payments fail for some customers.');
    expect(blocks).toContain('*Incident Commander*\\nTest comms');
    expect(blocks).toContain('*Comms Lead*\\nTest comms');
    expect(blocks).toContain('*Ops Lead*\\n@grace');
    expect(blocks).toContain('*Components*\\nCheckout API');
    expect(blocks).toContain('https://meet.example.com/checkout');
    expect(blocks).toMatch(/\/admin\/incidents\/[a-z0-9]+/);

    // A SEV-3 is not for this channel: it is declared, published, and never sent there.
    await page.goto(`${herald.url}/admin/incidents/new`);
    await page.getByLabel('Title').fill('Slow search');
    await page.getByRole('radio', { name: /SEV-3/ }).check();
    await page.getByLabel('Message to customers').fill('Search is slow.');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.locator('[role=status]').innerText()).toContain('Published');
    // Resolving the SEV-1 is sent; it arrives after (per destination, in order), and the SEV-3 never did.
    await page.goto(`${herald.url}/admin`);
    await page.getByRole('link', { name: 'Card payments failing' }).first().click();
    await page.getByRole('radio', { name: 'Resolved' }).check();
    await page.getByLabel('Message to customers').fill('Card payments work again.');
    await page.getByRole('button', { name: 'Publish update' }).click();
    await expect.poll(() => page.locator('[role=status]').innerText()).toContain('Published');
    const received = await slack.waitFor(3);
    expect(received.map((r) => (r.json as SlackMessage).text)).toEqual([
      expect.stringContaining('Test message from Herald'),
      expect.stringContaining('[SEV-1] Incident declared: Card payments failing'),
      expect.stringContaining('[SEV-1] Incident resolved: Card payments failing'),
    ]);
    expect(slack.received.every((r) => r.problems.length === 0)).toBe(true);
    await lead.context.close();
  }, 90_000);
});

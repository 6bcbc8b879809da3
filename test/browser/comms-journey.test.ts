import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestedNextUpdate } from '../../src/domain/cadence.js';
import { DAY, formatLocalDateTime } from '../../src/domain/calendar.js';
import { newId } from '../../src/lib/ids.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { signIn, TEST_PASSWORD } from '../support/admin.js';
import { launchChromium, serveApp } from '../support/browser.js';
import { makeComponent } from '../support/factories.js';

/**
 * The Comms Lead's main journey in a real browser: sign in, declare a SEV-1
 * from a template, be stopped by the placeholder guard, publish, post
 * Identified and Resolved, and watch the public pages change at each step.
 */
let browser: Browser;
let deps: TestDeps;
let herald: { url: string; close(): Promise<void> };
let email: string;

beforeAll(async () => {
  browser = await launchChromium();
});

/** A fresh page with two components, a template and a signed-up Comms Lead. */
async function startHerald(): Promise<void> {
  await herald?.close();
  deps = await createTestDeps({ now: Date.now() });
  await makeComponent(deps, { name: 'Checkout API', startedAt: Date.now() - 30 * DAY });
  await makeComponent(deps, { name: 'Storefront', startedAt: Date.now() - 30 * DAY });
  const now = Date.now();
  await deps.db.atomic([
    deps.repos.templates.insert({
      id: newId(),
      name: 'Journey: investigating',
      kind: 'incident',
      status: 'investigating',
      title: '{{affected_service}} unavailable',
      body: 'We are investigating {{impact}} on {{affected_service}}. Next update by {{next_update_time}}.',
      position: 0,
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  email = (await signIn(deps, 'comms', 'lead@example.com')).email;
  herald = await serveApp(deps);
}

afterAll(async () => {
  await herald?.close();
  await browser?.close();
});

/** A customer's view: a fresh browser context each time, so nothing it saw before can hide the change. */
async function publicText(_page: Page, path: string): Promise<string> {
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(`${herald.url}${path}`);
  const text = await other.locator('main').innerText();
  await context.close();
  return text;
}

/** Whether the element is wholly inside the viewport as the page stands (no scrolling by the test). */
async function inViewport(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).boundingBox();
  const size = page.viewportSize();
  if (!box || !size) return false;
  // A pixel of slack: scrolling to a fragment can leave the top at -0.3 px.
  return box.y >= -1 && box.x >= -1 && box.y + box.height <= size.height + 1 && box.x + box.width <= size.width + 1;
}

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  describe(`the Comms Lead's journey on ${viewport.name}`, () => {
    it('declares a SEV-1 from a template, updates it and resolves it', async () => {
      await startHerald();
      // Each run uses its own browser context, so it signs in from scratch.
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
      const page = await context.newPage();
      await page.goto(`${herald.url}/admin`);
      await expect.poll(() => page.url()).toContain('/admin/login');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Declare incident' }).click();
      await page.getByRole('link', { name: 'Journey: investigating' }).click();

      // SEV-1 promises an update every 15 minutes: the untouched "next update by" follows it
      // (the clock is the test's, fixed; the page's time zone is UTC).
      const sev1Next = formatLocalDateTime(suggestedNextUpdate(1, deps.clock.now())!, 'UTC').slice(11);
      await page.getByRole('radio', { name: /SEV-1/ }).check();
      await page.getByLabel('Affected service').fill('Checkout');
      await page.getByLabel('Checkout API').selectOption('major_outage');
      await page.getByRole('button', { name: 'Publish' }).click();
      await expect.poll(() => page.locator('.errors').innerText()).toContain('{{impact}}');
      expect(await page.locator('.errors').innerText()).toContain('Message to customers: fill in {{impact}}');
      expect(await page.locator('#next_update').inputValue()).toBe(sev1Next);
      expect(await publicText(page, '/')).toContain('All systems operational');

      await page.locator('#ph_impact').fill('failed card payments');
      await page.getByRole('button', { name: 'Preview' }).click();
      await expect.poll(() => page.locator('#preview').innerText()).toContain('We are investigating failed card payments on Checkout.');
      expect(await page.locator('#preview').innerText()).toContain(`Next update by ${sev1Next}`);
      expect(await page.locator('#next_update').inputValue()).toBe(sev1Next);
      // The preview is where the eye is, Publish right under it: no scrolling needed.
      const publish = page.locator('#preview').getByRole('button', { name: 'Publish' });
      await expect.poll(() => inViewport(page, '#preview h2')).toBe(true);
      expect(await inViewport(page, '#preview')).toBe(true);
      expect(await inViewport(page, '#preview button[value=publish]')).toBe(true);
      await publish.click();
      await expect.poll(() => page.locator('[role=status]').innerText()).toContain('Published');
      const incidentUrl = new URL(page.url()).pathname.replace('/admin', '');

      let home = await publicText(page, '/');
      expect(home).toContain('Major system outage');
      expect(home).toContain('Checkout unavailable');
      expect(home).toContain(`We are investigating failed card payments on Checkout. Next update by ${sev1Next} UTC.`);
      expect(home).toContain(`Next update by ${sev1Next} UTC`);
      expect(await publicText(page, incidentUrl)).toContain('Investigating');

      await page.getByRole('radio', { name: 'Identified' }).check();
      await page.getByLabel('Message to customers').fill('A faulty release broke card payments. We are rolling it back.');
      await page.getByLabel('Checkout API').selectOption('partial_outage');
      await page.getByRole('button', { name: 'Publish update' }).click();
      await expect.poll(() => page.locator('[role=status]').innerText()).toContain('Published');
      home = await publicText(page, '/');
      expect(home).toContain('Partial system outage');
      expect(home).toContain('A faulty release broke card payments.');

      await page.getByRole('radio', { name: 'Resolved' }).check();
      await page.getByLabel('Message to customers').fill('The rollback fixed card payments. Sorry for the trouble.');
      await page.getByRole('button', { name: 'Publish update' }).click();
      await expect.poll(() => page.locator('[role=status]').innerText()).toContain('Published');
      home = await publicText(page, '/');
      expect(home).toContain('All systems operational');
      expect(home).not.toContain('Active incidents');
      const incidentPage = await publicText(page, incidentUrl);
      expect(incidentPage).toContain('Resolved');
      expect(incidentPage).toContain('The rollback fixed card payments.');
      expect(incidentPage).toContain('A faulty release broke card payments.');

      if (viewport.name === 'phone') {
        expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      }
      await context.close();
    }, 60_000);
  });
}

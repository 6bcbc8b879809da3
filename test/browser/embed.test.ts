import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { launchChromium, serveApp, serveHtml } from '../support/browser.js';
import { makeComponent, makeIncident } from '../support/factories.js';

// Evaluated in the browser page: minimal DOM declarations, local to this module.
declare function getComputedStyle(element: unknown): Record<string, string>;


/** A host page that styles everything aggressively, as real sites sometimes do. */
const hostPage = (herald: string, attributes: string): string => `<!doctype html>
<html><head><style>
  * { font-size: 31px !important; color: rgb(0, 128, 0); font-family: serif; }
  a { text-decoration: line-through; }
  .pill, .banner { display: none !important; }
</style></head>
<body><p id="own">Host content</p><div id="slot"></div>
<script src="${herald}/embed.js" ${attributes}></script></body></html>`;

let browser: Browser;
let deps: TestDeps;
let herald: { url: string; close(): Promise<void> };

beforeAll(async () => {
  browser = await launchChromium();
  deps = await createTestDeps({ now: Date.now() });
  const api = await makeComponent(deps, { name: 'API' });
  await makeIncident(deps, { title: 'Checkout errors', components: [{ componentId: api, status: 'partial_outage' }] });
  herald = await serveApp(deps);
});

afterAll(async () => {
  await herald?.close();
  await browser?.close();
});

describe('/embed.js in a real browser', () => {
  it('shows a status pill that the host page styles cannot reach, and leaves the host page alone', async () => {
    const host = await serveHtml(hostPage(herald.url, 'data-target="#slot"'));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(host.url);
    const pill = page.locator('herald-status .pill');
    await expect.poll(() => pill.textContent(), { timeout: 10_000 }).toBe('Partial System Outage');
    expect(await pill.getAttribute('href')).toBe(`${herald.url}/`);
    const pillStyle = await pill.evaluate((el) => {
      const s = getComputedStyle(el);
      return { display: s.display, fontSize: s.fontSize, decoration: s.textDecorationLine };
    });
    expect(pillStyle).toEqual({ display: 'inline-flex', fontSize: '13px', decoration: 'none' });
    expect(await page.locator('#slot herald-status').count()).toBe(1);
    const own = await page.locator('#own').evaluate((el) => getComputedStyle(el).fontSize);
    expect(own).toBe('31px');
    expect(errors).toEqual([]);
    await page.close();
    await host.close();
  });

  it('shows a dismissible banner with the incident in banner mode', async () => {
    const host = await serveHtml(hostPage(herald.url, 'data-mode="banner" data-position="top"'));
    const page = await browser.newPage();
    await page.goto(host.url);
    const banner = page.locator('herald-status .banner');
    await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(1);
    expect(await banner.locator('a').textContent()).toBe('Checkout errors');
    expect(await banner.evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
    expect(await banner.evaluate((el) => getComputedStyle(el).top)).toBe('0px');
    await banner.locator('button[aria-label="Dismiss"]').click();
    expect(await page.locator('herald-status .banner').count()).toBe(0);
    await page.close();
    await host.close();
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExampleContent } from '../../src/services/settings/example-page.js';
import { createTestDeps } from '../support/deps.js';
import { launchChromium, serveApp } from '../support/browser.js';
import { systemActor } from '../../src/services/auth/actor.js';

// Evaluated in the browser page: minimal DOM declarations, local to this module.
declare const document: { documentElement: { scrollWidth: number }; body: unknown };
declare function getComputedStyle(element: unknown): Record<string, string>;


let browser: Browser;
let herald: { url: string; close(): Promise<void> };

beforeAll(async () => {
  browser = await launchChromium();
  const deps = await createTestDeps({ now: Date.now() });
  await seedExampleContent(deps, systemActor('example page'));
  herald = await serveApp(deps);
});

afterAll(async () => {
  await herald?.close();
  await browser?.close();
});

describe('the status page in a real browser', () => {
  it('fits a phone screen without sideways scrolling and runs no script', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, javaScriptEnabled: false });
    await page.goto(herald.url);
    expect(await page.title()).toBe('Test Cloud status');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await expect.poll(() => page.locator('.banner').isVisible()).toBe(true);
    expect(await page.locator('ol.bar').first().isVisible()).toBe(true);
    await page.close();
  });

  it('collapses and opens a component group without JavaScript', async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.goto(herald.url);
    const group = page.locator('details.group').first();
    const firstComponent = group.locator('.component').first();
    expect(await firstComponent.isVisible()).toBe(true);
    await group.locator('summary').click();
    expect(await firstComponent.isVisible()).toBe(false);
    await page.close();
  });

  it('follows a dark colour scheme', async () => {
    const light = await browser.newPage({ colorScheme: 'light' });
    await light.goto(herald.url);
    const dark = await browser.newPage({ colorScheme: 'dark' });
    await dark.goto(herald.url);
    const background = (p: typeof light) => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background(light)).toBe('rgb(255, 255, 255)');
    expect(await background(dark)).toBe('rgb(13, 17, 23)');
    await light.close();
    await dark.close();
  });

  it('opens an incident from the past incidents list', async () => {
    const page = await browser.newPage();
    await page.goto(herald.url);
    await page.getByRole('link', { name: 'Elevated API error rates' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Elevated API error rates');
    expect(await page.locator('.updates > li').count()).toBe(4);
    await page.close();
  });
});

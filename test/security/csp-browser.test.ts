import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExampleContent } from '../../src/services/settings/example-page.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { signIn, type TestSession } from '../support/admin.js';
import { makeIncident } from '../support/factories.js';
import { launchChromium, serveApp } from '../support/browser.js';
import { systemActor } from '../../src/services/auth/actor.js';

/*
 * The security headers in a real browser (Debian's Chromium): every page
 * renders with its styles under the Content-Security-Policy, and the browser
 * reports no policy violation and no header it does not understand.
 */

declare const document: { body: unknown; querySelector(selector: string): unknown };
declare function getComputedStyle(element: unknown): Record<string, string>;

let browser: Browser;
let herald: { url: string; close(): Promise<void> };
let deps: TestDeps;
let owner: TestSession;

beforeAll(async () => {
  browser = await launchChromium();
  deps = await createTestDeps({ now: Date.now(), config: { publicUrl: null } });
  await seedExampleContent(deps, systemActor('example page'));
  owner = await signIn(deps, 'owner');
  herald = await serveApp(deps);
});

afterAll(async () => {
  await herald?.close();
  await browser?.close();
});

async function visit(path: string, options: { signedIn?: boolean } = {}) {
  const context = await browser.newContext();
  if (options.signedIn) {
    const [name, value] = owner.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: herald.url }]);
  }
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  const response = await page.goto(`${herald.url}${path}`);
  // The page's own inline styles apply (style-src 'unsafe-inline'): the body has the layout's font.
  const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  await context.close();
  return { status: response?.status(), problems, font };
}

describe('the security headers in a real browser', () => {
  it('block nothing Herald itself uses, on public and admin pages', async () => {
    const incident = await makeIncident(deps, { title: 'Slow API' });
    const pages: [string, boolean][] = [
      ['/', false],
      [`/incidents/${incident}`, false],
      ['/history', false],
      ['/embed', false],
      ['/no/such/page', false],
      ['/admin/login', false],
      ['/admin', true],
      ['/admin/incidents/new', true],
      ['/admin/components', true],
      ['/admin/settings', true],
      ['/admin/templates', true],
    ];
    for (const [path, signedIn] of pages) {
      const result = await visit(path, { signedIn });
      expect(result.status, path).toBeLessThan(path === '/no/such/page' ? 500 : 400);
      // No "Refused to ..." (CSP) and no "Unrecognized feature" (Permissions-Policy) messages.
      expect(result.problems, path).toEqual(path === '/no/such/page' ? [expect.stringContaining('404')] : []);
      expect(result.font, path).toContain('system-ui');
    }
  }, 60_000);
});

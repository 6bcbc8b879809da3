import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { ComponentStatus } from '../../src/domain/constants.js';
import { launchChromium, serveApp } from '../support/browser.js';
import { buildSite, setBanner, type Site } from '../support/site.js';
import { describeFindings, runAxe, validateHtml, type Finding } from '../support/validators.js';

/*
 * Every public and admin page (an owner's whole admin, found by following its
 * links; the pages only a form post or a one-time link shows, captured) through
 * the Nu Html Checker and, in Chromium, through axe-core's WCAG 2.1 AA rules
 * in the light and the dark colour scheme; then the admin on a phone: tap
 * targets at least 44 px tall and a navigation that folds into one row.
 */

interface Box {
  width: number;
  height: number;
  top: number;
  right: number;
}
interface El {
  tagName: string;
  textContent: string | null;
  getBoundingClientRect(): Box;
  matches(selector: string): boolean;
  closest(selector: string): El | null;
  getAttribute(name: string): string | null;
}
// Evaluated in the browser page: minimal DOM declarations, local to this module.
declare const document: { querySelector(selector: string): El | null; querySelectorAll(selector: string): Iterable<El> };
declare function getComputedStyle(element: El): { visibility: string };

let site: Site;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let herald: { url: string; close(): Promise<void> };

const SCHEMES = ['light', 'dark'] as const;
const PHONE = { width: 390, height: 844 };
/** WCAG 2.5.8 asks for 24 px; Apple, Google and Microsoft ask for 44 px or more. */
const MIN_TARGET_PX = 44;
/** A folded navigation: the page name and the menu button, one row (padding and border included). */
const MAX_HEADER_PX = 120;

beforeAll(async () => {
  site = await buildSite();
  herald = await serveApp(site.deps);
  browser = await launchChromium();
  context = await signedInContext();
  page = await context.newPage();
});

afterAll(async () => {
  await herald?.close();
  await browser?.close();
});

async function signedInContext(options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  const created = await browser.newContext(options);
  const [name, value] = site.owner.cookie.split('=') as [string, string];
  await created.addCookies([{ name, value, url: herald.url }]);
  return created;
}

/** axe over the page as loaded, in both colour schemes. */
async function axeBothSchemes(name: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    findings.push(...(await runAxe(page, `${name} (${colorScheme})`)));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return findings;
}

async function open(path: string): Promise<void> {
  const response = await page.goto(`${herald.url}${path}`);
  if (!response || response.status() >= 500) throw new Error(`${path} answered ${response?.status()}`);
}

describe('every page', () => {
  it('has no Nu Html Checker errors', async () => {
    const app = createApp(site.deps);
    const documents = new Map<string, string>();
    for (const path of site.publicPaths) documents.set(path, await (await app.request(path)).text());
    for (const path of site.adminPaths) documents.set(path, await (await app.request(path, { headers: { Cookie: site.owner.cookie } })).text());
    for (const [name, html] of site.captured) documents.set(name, html);
    const { errors } = await validateHtml(documents);
    expect(documents.size).toBeGreaterThan(60);
    expect(errors, describeFindings(errors)).toEqual([]);
  }, 120_000);

  it('has no axe violations of WCAG 2.1 AA, light or dark', async () => {
    const findings: Finding[] = [];
    // The one exception: the email delivery page refreshes itself (meta refresh; pages run no
    // script) while emails are being sent, says so, and stops when they are out.
    const allowed = (f: Finding): boolean => f.message.startsWith('meta-refresh') && /^\/admin\/incidents\/[a-z0-9]+\/deliveries /.test(f.document);
    for (const path of [...site.publicPaths, ...site.adminPaths]) {
      await open(path);
      findings.push(...(await axeBothSchemes(path)));
    }
    for (const [name, html] of site.captured) {
      await page.setContent(html);
      findings.push(...(await axeBothSchemes(name)));
    }
    const violations = findings.filter((f) => !allowed(f));
    expect(violations, describeFindings(violations)).toEqual([]);
  }, 300_000);
});

describe('the admin on a phone', () => {
  it(`folds its navigation into one row and makes every control at least ${MIN_TARGET_PX} px tall`, async () => {
    const phone = await signedInContext({ viewport: PHONE });
    const tab = await phone.newPage();
    const problems: string[] = [];
    for (const path of site.adminPaths) {
      await tab.goto(`${herald.url}${path}`);
      const { header, small } = await tab.evaluate((min) => {
        const tooSmall: string[] = [];
        const controls = document.querySelectorAll(
          'header a, header button, header summary, main a, main button, main summary, main select, main input:not([type=hidden]), main textarea',
        );
        for (const element of controls) {
          // A checkbox or radio button is tapped through its label.
          const target = element.matches('input[type=checkbox], input[type=radio]') ? (element.closest('label') ?? element) : element;
          const box = target.getBoundingClientRect();
          if (box.width <= 1 || box.height <= 1 || getComputedStyle(element).visibility === 'hidden') continue;
          if (box.height < min) {
            const text = (element.textContent ?? element.getAttribute('aria-label') ?? element.getAttribute('name') ?? '').trim().slice(0, 40);
            tooSmall.push(`<${element.tagName.toLowerCase()}> "${text}" ${Math.round(box.width)} x ${Math.round(box.height)}`);
          }
        }
        return { header: document.querySelector('header')?.getBoundingClientRect().height ?? 0, small: tooSmall };
      }, MIN_TARGET_PX);
      if (header > MAX_HEADER_PX) problems.push(`${path}: the header is ${Math.round(header)} px tall`);
      for (const line of small) problems.push(`${path}: ${line}`);
    }
    await phone.close();
    expect(problems, problems.join('\n')).toEqual([]);
  }, 120_000);

  it('opens the menu without JavaScript and reaches every section from it', async () => {
    const phone = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const [name, value] = site.owner.cookie.split('=') as [string, string];
    await phone.addCookies([{ name, value, url: herald.url }]);
    const tab = await phone.newPage();
    await tab.goto(`${herald.url}/admin`);
    const templates = tab.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Templates' });
    expect(await templates.isVisible()).toBe(false);
    await tab.getByText('Menu', { exact: true }).click();
    expect(await templates.isVisible()).toBe(true);
    expect(await tab.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    await templates.click();
    await expect.poll(() => tab.url()).toBe(`${herald.url}/admin/templates`);
    await phone.close();
  });
});

describe('robots.txt', () => {
  it('can be read from inside a page under its Content-Security-Policy, as Lighthouse reads it', async () => {
    await open('/');
    const robots = await page.evaluate(() => fetch('/robots.txt').then((res) => res.text()));
    expect(robots).toContain('Disallow: /admin');
  });
});

describe('the status banner', () => {
  it('keeps its text readable in every status, light or dark', async () => {
    const findings: Finding[] = [];
    const statuses: ComponentStatus[] = ['degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'operational'];
    for (const status of statuses) {
      await setBanner(site, status);
      // A fresh browser context: the pages' max-age would otherwise show the previous status.
      await page.context().close();
      context = await signedInContext();
      page = await context.newPage();
      for (const path of ['/', '/embed', '/embed?theme=dark', '/embed?theme=light']) {
        await open(path);
        // The status page's banner, the embed's status line.
        expect(await page.locator(`.s-${status}`).count(), path).toBeGreaterThan(0);
        findings.push(...(await axeBothSchemes(`${path} with ${status}`)));
      }
    }
    expect(findings, describeFindings(findings)).toEqual([]);
  }, 120_000);
});

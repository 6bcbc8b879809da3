import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalDateTime } from '../../src/domain/calendar.js';
import { systemClock } from '../../src/deps.js';
import { createNodeDeps, type NodeDeps } from '../../src/entry/node-deps.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { savePostmortem } from '../../src/services/postmortems/postmortems.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { loadSettings } from '../../src/services/settings/reads.js';
import { memberActor } from '../support/actors.js';
import { signIn, TEST_PASSWORD } from '../support/admin.js';
import { launchChromium, serveApp } from '../support/browser.js';
import { MemoryLogger, testConfig } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';

/**
 * Issue 17's record in a real browser, on a phone: after a SEV-1 is
 * resolved, the scribe adds notes (the page's script inserts each line
 * without reloading, under the page's own Content-Security-Policy),
 * corrects a key time with a reason, the Comms Lead writes and saves the
 * postmortem, a colleague's save in between is caught without losing a
 * word, and the customer-facing text goes on the status page.
 */
let browser: Browser;
let deps: NodeDeps;
let herald: { url: string; close(): Promise<void> };
let incidentId: string;

const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  browser = await launchChromium();
  deps = createNodeDeps({ config: testConfig(), databasePath: ':memory:', clock: systemClock, log: new MemoryLogger() });
  await initializePage(deps);
  const payments = await makeComponent(deps, { name: 'Payments API' });
  incidentId = await makeIncident(deps, {
    title: 'Payments failing',
    severity: 1,
    components: [{ componentId: payments, status: 'major_outage' }],
    roles: { incident_commander: { name: 'Ada Lovelace' } },
  });
  await postUpdate(deps, { incidentId, status: 'resolved', body: 'Payments work again.' }, memberActor('comms'));
  await signIn(deps, 'comms', 'lead@example.com');
  herald = await serveApp(deps);
});

afterAll(async () => {
  await herald?.close();
  await browser?.close();
});

async function signedIn(): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`${herald.url}/admin/incidents/${incidentId}`);
  await page.getByLabel('Email').fill('lead@example.com');
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.url()).toBe(`${herald.url}/admin/incidents/${incidentId}`);
  return page;
}

describe('the incident record on a phone', () => {
  it('scribe notes without reloads, a corrected key time, the postmortem saved through a conflict, and the customer text published', async () => {
    const page = await signedIn();
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    });

    await page.getByRole('link', { name: 'Timeline' }).click();
    await expect.poll(() => page.url()).toBe(`${herald.url}/admin/incidents/${incidentId}/timeline`);
    // A mark on this document: a full reload would lose it.
    await page.evaluate('window.heraldMark = 1');

    const field = page.getByLabel('What happened');
    await field.fill('Rolled back deploy 4711');
    await page.getByRole('button', { name: 'Add to timeline' }).click();
    await expect.poll(() => page.locator('#scribe-status').innerText()).toBe('Added: Rolled back deploy 4711');
    await field.fill('Payments <b>green</b> on the dashboard');
    await field.press('Enter');
    await expect.poll(() => page.locator('#scribe-status').innerText()).toContain('Added: Payments <b>green</b>');
    expect(await page.evaluate('window.heraldMark')).toBe(1);
    expect(page.url()).toBe(`${herald.url}/admin/incidents/${incidentId}/timeline`);
    // Both lines are in the list, last (they happened now), as text; the field is empty and focused for the next.
    const events = await page.locator('#timeline-rows li .tl-event').allInnerTexts();
    expect(events.slice(-2).map((e) => e.replace(/\s+/g, ' '))).toEqual([
      'Note Rolled back deploy 4711 — Test comms',
      'Note Payments <b>green</b> on the dashboard — Test comms',
    ]);
    expect(await page.locator('#timeline-rows b').count()).toBe(0);
    expect(await field.inputValue()).toBe('');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('scribe-text');
    expect((await deps.repos.timeline.entriesOf(incidentId)).map((e) => e.text)).toEqual(['Rolled back deploy 4711', 'Payments <b>green</b> on the dashboard']);
    // An empty line is refused by the browser before anything is sent.
    expect(blocked).toEqual([]);

    // Correct when impact started, with the reason.
    const { timeZone } = await loadSettings(deps);
    const incident = (await deps.repos.incidents.findById(incidentId))!;
    const earlier = formatLocalDateTime(incident.startedAt - 30 * 60_000, timeZone);
    await page.getByLabel('Key time', { exact: true }).selectOption('impact_started');
    await page.locator('#key-at').fill(earlier);
    await page.getByLabel('Reason').fill('Error rate rose 30 min before the page');
    await page.getByRole('button', { name: 'Correct the time' }).click();
    await expect.poll(() => page.locator('[role=status]').first().innerText()).toContain('Key time corrected');
    expect(await page.locator('#key-times').innerText()).toContain('Corrected: Error rate rose 30 min before the page');
    expect((await deps.repos.incidents.findById(incidentId))!.markerTimes!.impact_started).toBeLessThan(incident.startedAt);

    // The postmortem: created on resolution, due in 48 h, the template filled with the timeline including the notes.
    await page.getByRole('link', { name: 'Postmortem' }).first().click();
    await expect.poll(() => page.url()).toBe(`${herald.url}/admin/incidents/${incidentId}/postmortem`);
    expect(await page.locator('.facts').innerText()).toMatch(/due in 4[78] h/);
    const editor = page.locator('#body');
    expect(await editor.inputValue()).toContain('| Rolled back deploy 4711 |');
    await editor.fill('# Payments failing\n\nRoot cause: a bad deploy.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('[role=status]').first().innerText()).toBe('Saved.');
    expect((await deps.repos.postmortems.find(incidentId))!).toMatchObject({ body: '# Payments failing\n\nRoot cause: a bad deploy.', revision: 1 });

    // A colleague saves while the Comms Lead types: the save is refused, and nothing typed is lost.
    await editor.fill('# Payments failing\n\nRoot cause: a bad deploy.\n\nFive whys: my long analysis.');
    await savePostmortem(deps, memberActor('comms'), incidentId, { body: 'Colleague: add the impact numbers.', baseRevision: 1 });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('[role=alert]').first().innerText()).toContain('Your text is still in the editor');
    expect(await page.locator('#body').inputValue()).toContain('Five whys: my long analysis.');
    expect(await page.locator('#saved-body').inputValue()).toBe('Colleague: add the impact numbers.');
    await page.locator('#body').fill('# Payments failing\n\nFive whys: my long analysis.\n\nColleague: add the impact numbers.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('[role=status]').first().innerText()).toBe('Saved.');
    expect((await deps.repos.postmortems.find(incidentId))!).toMatchObject({ revision: 3 });
    expect((await deps.repos.postmortems.find(incidentId))!.body).toContain('my long analysis');

    // Review, then the customer-facing text on the status page.
    await page.getByRole('button', { name: 'Send for review' }).click();
    await expect.poll(() => page.locator('.facts').innerText()).toContain('In review');
    await page.getByLabel('Text for customers').fill('A faulty deploy stopped card payments for an hour. We now canary every deploy.');
    await page.getByRole('button', { name: 'Publish on the status page' }).click();
    await expect.poll(() => page.locator('[role=status]').first().innerText()).toContain('is on the status page');
    expect((await deps.repos.postmortems.find(incidentId))!.publicBody).toBe('A faulty deploy stopped card payments for an hour. We now canary every deploy.');
    expect(await page.getByRole('button', { name: 'Take off the status page' }).isVisible()).toBe(true);

    // Nothing on the phone is wider than the screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    expect(blocked).toEqual([]);
  });
});

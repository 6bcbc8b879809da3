import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/domain/calendar.js';
import { formatterFor } from '../../src/presenters/format.js';
import { internalTemplateValues } from '../../src/presenters/internal-template.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { adminGet, adminPost, signIn } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';

/*
 * Starting an internal update from an internal template on the incident page:
 * what Herald knows is filled in (nobody types it twice), the rest stays a
 * placeholder, and the guard refuses to send it until it is filled.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

/** The textarea's text as the browser would submit it. */
function textareaOf(html: string): string {
  const raw = /<textarea id="internal-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)![1]!;
  return raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('internal templates on the incident page', () => {
  it('fills what Herald knows, leaves the rest for the Comms Lead, and the guard holds until it is filled', async () => {
    const deps = await createTestDeps({ now: NOON });
    const lead = await signIn(deps, 'comms');
    const id = await declareIncident(
      deps,
      { title: 'Checkout <down>', severity: 1, body: 'Looking.', warRoomUrl: 'https://meet.example.com/war', roles: { ops_lead: { name: '@grace' } } },
      { kind: 'user', id: lead.userId, label: 'Test comms', role: 'comms' },
    );
    deps.clock.advance(22 * MINUTE);

    const page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(page.text).toContain(`href="/admin/incidents/${id}?internal_template=defaultinternalupdate#internal"`);
    expect(textareaOf(page.text)).toBe('');

    const started = await adminGet(deps, `/admin/incidents/${id}?internal_template=defaultinternalupdate`, lead);
    expect(textareaOf(started.text)).toBe(
      [
        '- **Status:** Investigating',
        '- **What we know:** {{what_we_know}}',
        "- **What we're doing:** {{what_we_are_doing}}",
        '- **Impact:** {{impact}}',
        // SEV-1: every 15 minutes from now (12:22), rounded up to 5 minutes.
        '- **Next update:** 12:40 UTC',
        '- **Duration so far:** 22 min',
      ].join('\n'),
    );
    const declaration = await adminGet(deps, `/admin/incidents/${id}?internal_template=defaultinternaldeclaration`, lead);
    const text = textareaOf(declaration.text);
    expect(text).toContain('**SEV-1 declared:** Checkout <down>');
    expect(text).toContain('**Incident Commander:** Test comms');
    expect(text).toContain('**War room:** https://meet.example.com/war');
    expect(text).toContain('**Started:** 23 Nov 2026, 12:00 UTC (22 min ago)');
    expect(text).toContain('**Dashboard:** {{dashboard}}');
    // Shown escaped in the page.
    expect(declaration.text).not.toContain('Checkout <down>');

    // Sent as started: refused, nothing queued or stored.
    const refused = await adminPost(deps, `/admin/incidents/${id}/internal-updates`, lead, { body: textareaOf(started.text) });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('{{what_we_know}}');
    expect(await deps.repos.roles.internalUpdatesOf(id)).toEqual([]);

    const filled = textareaOf(started.text)
      .replace('{{what_we_know}}', 'A bad deploy')
      .replace('{{what_we_are_doing}}', 'Rolling back')
      .replace('{{impact}}', 'Card payments fail');
    expect((await adminPost(deps, `/admin/incidents/${id}/internal-updates`, lead, { body: filled })).status).toBe(303);
    expect((await deps.repos.roles.internalUpdatesOf(id)).map((u) => u.body)).toEqual([filled]);
  });

  it('an unknown or public template id starts from an empty box', async () => {
    const deps = await createTestDeps({ now: NOON });
    const lead = await signIn(deps, 'comms');
    const id = await declareIncident(deps, { title: 'Slow', severity: 3, body: 'x' }, { kind: 'user', id: lead.userId, label: 'Test comms', role: 'comms' });
    const publicOne = (await deps.repos.templates.list()).find((t) => t.audience === 'public')!;
    for (const template of ['nope', publicOne.id]) {
      const page = await adminGet(deps, `/admin/incidents/${id}?internal_template=${template}`, lead);
      expect(page.status).toBe(200);
      expect(textareaOf(page.text)).toBe('');
    }
  });
});

describe('internalTemplateValues', () => {
  const format = formatterFor('Europe/Berlin');
  const facts = {
    title: 'API errors',
    severity: 2,
    status: 'identified' as const,
    startedAt: NOON - 125 * MINUTE,
    warRoomUrl: null,
    runbookUrl: 'https://runbooks.example.com/api',
    dashboardUrl: null,
    roles: [{ role: 'comms_lead' as const, name: '@ada' }],
    carried: { impact: 'slow checkouts', severity: 'typed earlier' },
    nextInternalAt: null,
  };

  it('names what it knows, keeps what earlier public updates said, and leaves out what it does not know', () => {
    expect(internalTemplateValues(facts, format, NOON)).toEqual({
      impact: 'slow checkouts',
      what: 'API errors',
      severity: 'SEV-2',
      status: 'Identified',
      started: '23 Nov 2026, 10:55 CET (2 h 5 min ago)',
      duration: '2 h 5 min',
      comms_lead: '@ada',
      runbook: 'https://runbooks.example.com/api',
    });
  });
});

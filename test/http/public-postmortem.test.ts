import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { publishPublicPostmortem, savePostmortem, setPostmortemState, startPostmortem } from '../../src/services/postmortems/postmortems.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { parseWithFeedparser, requireFeedTools, validateWithJing } from '../support/feeds/tools.js';
import { atomRuleProblems } from '../support/feeds/xml.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { get, textOf } from '../support/http.js';

/*
 * The customer-facing postmortem (issue 17) on the public side: the incident
 * page, the Atom and RSS feeds and /api/v2 (postmortem_body,
 * postmortem_body_last_updated_at, postmortem_published_at, as Statuspage
 * has them) show it only once it is published on the status page; never the
 * internal document; taken off, it is gone everywhere.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const SLOW = { timeout: 90_000 };

const INTERNAL = 'INTERNAL-ONLY root cause: the on-call forgot the flag';
const PUBLIC = 'On 23 November the API failed for **42 minutes**.\n\nWe have added a <script>alert(1)</script> safeguard and [a runbook](javascript:alert(1)).';

/** A resolved SEV-1 with an internal postmortem document (its required postmortem is created on resolution). */
async function resolvedIncident(): Promise<{ deps: TestDeps; id: string }> {
  const deps = await createTestDeps({ now: NOON - HOUR });
  const api = await makeComponent(deps, { name: 'API' });
  const id = await makeIncident(deps, { title: 'API outage', severity: 1, components: [{ componentId: api, status: 'major_outage' }] });
  deps.clock.advance(42 * MINUTE);
  await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Resolved.', components: [{ componentId: api, status: 'operational' }] }, FIXTURE_ACTOR);
  const postmortem = await startPostmortem(deps, FIXTURE_ACTOR, id);
  await savePostmortem(deps, FIXTURE_ACTOR, id, { body: INTERNAL, baseRevision: postmortem.revision });
  await setPostmortemState(deps, FIXTURE_ACTOR, id, { state: 'published' });
  deps.clock.set(NOON);
  return { deps, id };
}

async function v2Incident(deps: TestDeps, path: string, id: string): Promise<any> {
  const res = await get(deps, path);
  expect(res.status).toBe(200);
  return JSON.parse(res.text).incidents.find((i: { id: string }) => i.id === id);
}

describe('the public postmortem', () => {
  it('is not shown anywhere while it is only internal, even published internally', async () => {
    const { deps, id } = await resolvedIncident();
    const page = await get(deps, `/incidents/${id}`);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).not.toContain('Postmortem');
    expect(page.text).not.toContain('INTERNAL-ONLY');
    const v2 = await v2Incident(deps, '/api/v2/incidents.json', id);
    expect(v2).toMatchObject({ postmortem_body: null, postmortem_body_last_updated_at: null, postmortem_published_at: null });
    for (const path of ['/history.atom', '/history.rss', '/api/v2/incidents.json', '/api/v2/summary.json']) {
      expect((await get(deps, path)).text, path).not.toContain('INTERNAL-ONLY');
    }
  });

  it('shows on the incident page with its publication date, the Markdown rendered and sanitized, after the page was cached', async () => {
    const { deps, id } = await resolvedIncident();
    await get(deps, `/incidents/${id}`); // warm the render cache: publishing must move it
    await publishPublicPostmortem(deps, FIXTURE_ACTOR, id, { publicBody: PUBLIC });
    const page = await get(deps, `/incidents/${id}`);
    expect(page.status).toBe(200);
    const section = page.text.slice(page.text.indexOf('id="postmortem-h"'), page.text.indexOf('id="updates-h"'));
    expect(section).toContain('Postmortem');
    expect(section).toContain(`datetime="${iso(NOON)}"`);
    expect(section).toContain('<strong>42 minutes</strong>');
    expect(section).toContain('&lt;script&gt;');
    expect(section).not.toContain('<script>');
    expect(section).not.toContain('href="javascript:');
    expect(page.text).not.toContain('INTERNAL-ONLY');
    // Before the updates, as Statuspage shows it.
    expect(page.text.indexOf('id="postmortem-h"')).toBeLessThan(page.text.indexOf('id="updates-h"'));
    expect(textOf(section)).not.toContain('updated');

    deps.clock.advance(DAY);
    await publishPublicPostmortem(deps, FIXTURE_ACTOR, id, { publicBody: 'Corrected: 41 minutes.' });
    const edited = await get(deps, `/incidents/${id}`);
    expect(textOf(edited.text)).toContain('Corrected: 41 minutes.');
    expect(edited.text).toContain(`datetime="${iso(NOON + DAY)}"`); // updated
    expect(edited.text).toContain(`datetime="${iso(NOON)}"`); // first published, kept
  });

  it('fills the Statuspage v2 postmortem fields of the incident, and empties them when taken off', async () => {
    const { deps, id } = await resolvedIncident();
    expect((await v2Incident(deps, '/api/v2/incidents.json', id)).postmortem_body).toBeNull(); // cached now
    await publishPublicPostmortem(deps, FIXTURE_ACTOR, id, { publicBody: PUBLIC });
    deps.clock.advance(2 * HOUR);
    await publishPublicPostmortem(deps, FIXTURE_ACTOR, id, { publicBody: `${PUBLIC}\n\nEdited.` });
    const v2 = await v2Incident(deps, '/api/v2/incidents.json', id);
    expect(v2).toMatchObject({
      postmortem_body: `${PUBLIC}\n\nEdited.`,
      postmortem_published_at: iso(NOON),
      postmortem_body_last_updated_at: iso(NOON + 2 * HOUR),
    });

    await publishPublicPostmortem(deps, FIXTURE_ACTOR, id, { publicBody: null });
    const off = await v2Incident(deps, '/api/v2/incidents.json', id);
    expect(off).toMatchObject({ postmortem_body: null, postmortem_body_last_updated_at: null, postmortem_published_at: null });
    const page = await get(deps, `/incidents/${id}`);
    expect(page.text).not.toContain('id="postmortem-h"');
  });

  it('leads the incident entry of the feeds, which stay valid Atom and RSS, and moves the entry updated time', SLOW, async () => {
    requireFeedTools();
    const { deps, id } = await resolvedIncident();
    const before = parseWithFeedparser((await get(deps, '/history.atom')).text).entries.find((e) => e.id?.endsWith(`incident/${id}`))!;
    deps.clock.advance(3 * DAY);
    await publishPublicPostmortem(deps, FIXTURE_ACTOR, id, { publicBody: PUBLIC });

    const atom = (await get(deps, '/history.atom')).text;
    const schema = validateWithJing(atom);
    expect(schema.valid, schema.messages).toBe(true);
    expect(atomRuleProblems(atom)).toEqual([]);
    const parsed = parseWithFeedparser(atom);
    expect(parsed.bozo, parsed.bozoException ?? '').toBe(false);
    const entries = parsed.entries.filter((e) => e.id?.endsWith(`incident/${id}`));
    expect(entries).toHaveLength(1); // the same entry, not a new one
    const entry = entries[0]!;
    expect(entry.published).toBe(before.published);
    expect(entry.updated).toBe(NOON + 3 * DAY);
    const content = entry.content[0]!.value as string;
    expect(content).toContain('<h2>Postmortem</h2>');
    expect(content).toContain('<strong>42 minutes</strong>');
    expect(content).not.toContain('<script>');
    expect(content.indexOf('Postmortem')).toBeLessThan(content.indexOf('Resolved.'));
    expect(atom).not.toContain('INTERNAL-ONLY');

    const rss = parseWithFeedparser((await get(deps, '/history.rss')).text);
    expect(rss.bozo, rss.bozoException ?? '').toBe(false);
    const item = rss.entries.find((e) => (e.content[0]?.value ?? e.summary ?? '').includes('42 minutes'));
    expect(item, 'the RSS item carries the postmortem').toBeDefined();
  });
});

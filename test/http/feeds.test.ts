import { beforeEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { get } from '../support/http.js';
import { parseWithFeedparser, requireFeedTools, validateWithJing, type ParsedFeed } from '../support/feeds/tools.js';
import { atomRuleProblems, RFC3339, RFC822, textOf, xmlTree } from '../support/feeds/xml.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

/*
 * The RSS 2.0 and Atom 1.0 feeds, checked the way the outside world sees them:
 * every Atom document against the RELAX NG schema of RFC 4287 with jing (plus
 * the RFC's rules a schema cannot express), every document through Python's
 * feedparser as a feed reader reads it. Both tools are Debian packages that
 * .ci/run installs; without them these tests fail, they do not skip.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
const BASE = 'http://status.test';
/** The page is created on 24 Oct 2026 at status.test: ids are tag: URIs (RFC 4151) minted from that. */
const TAG = 'tag:status.test,2026:';
const ATOM_TYPE = 'application/atom+xml; charset=utf-8';
const RSS_TYPE = 'application/rss+xml; charset=utf-8';
const iso = (ms: number): string => new Date(ms).toISOString();
/** jing starts a JVM for every document it checks: allow more than the default 20 s per test. */
const SLOW = { timeout: 90_000 };

type HttpResult = Awaited<ReturnType<typeof get>>;
interface Fetched {
  res: HttpResult;
  parsed: ParsedFeed;
  /** atom:feed or rss/channel, as read by xmlTree. */
  tree: any;
}

// In every test, so that each one fails (not skips) when a tool is missing.
beforeEach(() => {
  requireFeedTools();
});

const clip = (xml: string): string => (xml.length > 3000 ? `${xml.slice(0, 3000)}… (${xml.length} characters)` : xml);

/** Well-formed (expat) and read by feedparser without any complaint. */
function expectReadable(parsed: ParsedFeed): void {
  expect(parsed.wellFormed, `expat: not well-formed XML: ${parsed.xmlError}`).toBe(true);
  expect(parsed.bozo, `feedparser flagged the feed: ${parsed.bozoException}`).toBe(false);
}

/** Valid by RFC 4287: its RELAX NG schema (jing), the rules outside the schema, and feedparser reads it. */
function expectValidAtom(xml: string): ParsedFeed {
  const schema = validateWithJing(xml);
  expect(schema.valid, `jing: invalid against RFC 4287's schema:\n${schema.messages}\n--- document ---\n${clip(xml)}`).toBe(true);
  expect(atomRuleProblems(xml), 'RFC 4287 rules outside the schema').toEqual([]);
  const parsed = parseWithFeedparser(xml);
  expectReadable(parsed);
  expect(parsed.version).toBe('atom10');
  return parsed;
}

async function fetchOk(deps: TestDeps, path: string, type: string): Promise<HttpResult> {
  const res = await get(deps, path);
  expect(res.status, `${path}: ${res.text.slice(0, 500)}`).toBe(200);
  expect(res.headers.get('content-type')).toBe(type);
  return res;
}

async function atom(deps: TestDeps, path: string): Promise<Fetched> {
  const res = await fetchOk(deps, path, ATOM_TYPE);
  const parsed = expectValidAtom(res.text);
  return { res, parsed, tree: xmlTree(res.text).feed };
}

/**
 * RSS 2.0 has no official schema; this checks what the specification requires
 * (channel title, link, description; items with a title or description; RFC
 * 822 dates) and what the RSS Advisory Board recommends (atom:link rel=self,
 * four-digit years), and that feedparser reads it as RSS 2.0 without complaint.
 */
async function rss(deps: TestDeps, path: string): Promise<Fetched> {
  const res = await fetchOk(deps, path, RSS_TYPE);
  const parsed = parseWithFeedparser(res.text);
  expectReadable(parsed);
  expect(parsed.version).toBe('rss20');
  const doc = xmlTree(res.text);
  expect(doc.rss['@version']).toBe('2.0');
  expect(doc.rss['@xmlns:atom']).toBe('http://www.w3.org/2005/Atom');
  const channel = doc.rss.channel;
  for (const name of ['title', 'link', 'description']) {
    expect(textOf(channel[name]).trim(), `channel <${name}>`).not.toBe('');
  }
  expect(textOf(channel.lastBuildDate)).toMatch(RFC822);
  if (channel.pubDate !== undefined) expect(textOf(channel.pubDate)).toMatch(RFC822);
  const selfLinks = (channel['atom:link'] ?? []).filter((l: any) => l['@rel'] === 'self');
  expect(selfLinks).toHaveLength(1);
  expect(selfLinks[0]['@type']).toBe('application/rss+xml');
  for (const item of channel.item ?? []) {
    expect(textOf(item.title) || textOf(item.description), 'an item needs a title or a description').not.toBe('');
    expect(textOf(item.pubDate)).toMatch(RFC822);
    expect(item.guid['@isPermaLink']).toBe('false');
  }
  return { res, parsed, tree: channel };
}

/** The decoded HTML of an Atom entry's content (type="html" decodes to text/html). */
function atomContent(entry: ParsedFeed['entries'][number]): string {
  expect(entry.content).toHaveLength(1);
  expect(entry.content[0]!.type).toBe('text/html');
  return entry.content[0]!.value ?? '';
}

/** The decoded HTML of an RSS item's description. */
function rssContent(entry: ParsedFeed['entries'][number]): string {
  expect(entry.summaryDetail?.type).toBe('text/html');
  return entry.summary ?? '';
}

/** Every part occurs in `text`, in this order. */
function expectInOrder(text: string, parts: string[]): void {
  const positions = parts.map((part) => text.indexOf(part));
  parts.forEach((part, i) => expect(positions[i], `"${part}" is missing from:\n${clip(text)}`).toBeGreaterThanOrEqual(0));
  expect(positions, `out of order in:\n${clip(text)}`).toEqual([...positions].sort((a, b) => a - b));
}

const selfHref = (links: ParsedFeed['feed']['links']): string | null | undefined => links.find((l) => l.rel === 'self')?.href;

/**
 * A page with a visible API and Web, a hidden component, a finished
 * maintenance on Web, a resolved incident on Web and an open incident on API
 * (and the hidden component) with three updates.
 */
async function fixture() {
  const deps = await createTestDeps({ now: NOON - 30 * DAY });
  const api = await makeComponent(deps, { name: 'API' });
  const web = await makeComponent(deps, { name: 'Web' });
  const quiet = await makeComponent(deps, { name: 'Search' });
  const secret = await makeComponent(deps, { name: 'Internal', hidden: true });

  deps.clock.set(NOON - 5 * DAY);
  const maintenance = await makeMaintenance(deps, {
    title: 'Database upgrade',
    body: 'We will upgrade the database.',
    scheduledFor: NOON - 3 * DAY,
    scheduledUntil: NOON - 3 * DAY + HOUR,
    componentIds: [web],
  });

  deps.clock.set(NOON - 2 * DAY);
  const old = await makeIncident(deps, {
    title: 'Slow dashboard',
    severity: 3,
    body: 'Dashboard pages load slowly.',
    components: [{ componentId: web, status: 'degraded_performance' }],
  });
  deps.clock.set(NOON - 2 * DAY + HOUR);
  await postUpdate(deps, {
    incidentId: old,
    status: 'resolved',
    body: 'Dashboard is fast again.',
    components: [{ componentId: web, status: 'operational' }],
  }, FIXTURE_ACTOR);

  deps.clock.set(NOON - 30 * MINUTE);
  const open = await makeIncident(deps, {
    title: 'API errors',
    severity: 1,
    body: 'We are investigating **elevated** error rates.',
    components: [
      { componentId: api, status: 'major_outage' },
      { componentId: secret, status: 'major_outage' },
    ],
  });
  deps.clock.set(NOON - 20 * MINUTE);
  await postUpdate(deps, { incidentId: open, status: 'identified', body: 'A bad deploy is the cause.' }, FIXTURE_ACTOR);
  deps.clock.set(NOON - 10 * MINUTE);
  await postUpdate(deps, { incidentId: open, status: 'monitoring', body: 'Rolled back; we are watching error rates.' }, FIXTURE_ACTOR);

  deps.clock.set(NOON);
  return { deps, api, web, quiet, secret, maintenance, old, open };
}

describe('the Atom validity check itself', SLOW, () => {
  it('accepts a real Herald feed and rejects broken Atom documents', async () => {
    const f = await fixture();
    const good = (await fetchOk(f.deps, '/history.atom', ATOM_TYPE)).text;
    const goodResult = validateWithJing(good);
    expect(goodResult.valid, goodResult.messages).toBe(true);
    expect(atomRuleProblems(good)).toEqual([]);

    const firstEntryId = `<id>${TAG}incident/${f.open}</id>`;
    expect(good).toContain(firstEntryId);
    const noId = good.replace(firstEntryId, '');
    const noIdResult = validateWithJing(noId);
    expect(noIdResult.valid, 'an entry without <id> must be rejected').toBe(false);
    expect(noIdResult.messages).toMatch(/missing required element "id"/);

    const badDate = good.replace(`<updated>${iso(NOON - 10 * MINUTE)}</updated>`, '<updated>Mon, 23 Nov 2026 11:50:00 GMT</updated>');
    expect(badDate).not.toBe(good);
    const badDateResult = validateWithJing(badDate);
    expect(badDateResult.valid, 'an RFC 822 date in <updated> must be rejected').toBe(false);
    expect(badDateResult.messages).toMatch(/updated/);

    // type="html" content must be escaped HTML, not markup.
    const rawHtml = good.replace(/<content type="html">[^<]*<\/content>/, '<content type="html"><p>Raw <script>alert(1)</script></p></content>');
    expect(rawHtml).not.toBe(good);
    expect(validateWithJing(rawHtml).valid, 'unescaped markup in type="html" content must be rejected').toBe(false);
    expect(atomRuleProblems(rawHtml).join('\n')).toMatch(/content has child elements/);

    const notWellFormed = good.replace('<title type="text">API errors</title>', '<title type="text">API & errors</title>');
    expect(notWellFormed).not.toBe(good);
    expect(validateWithJing(notWellFormed).valid, 'a bare & must be rejected').toBe(false);
    expect(parseWithFeedparser(notWellFormed).wellFormed).toBe(false);

    const noTitle = good.replace('<title type="text">Test Cloud status</title>', '');
    const noTitleResult = validateWithJing(noTitle);
    expect(noTitleResult.valid, 'a feed without <title> must be rejected').toBe(false);
    expect(noTitleResult.messages).toMatch(/missing required element "title"/);

    // What xsd:dateTime lets through but RFC 3339 does not: a date-time without a time zone.
    const noZone = good.replace(`<published>${iso(NOON - 30 * MINUTE)}</published>`, '<published>2026-11-23T11:30:00</published>');
    expect(noZone).not.toBe(good);
    expect(atomRuleProblems(noZone).join('\n')).toMatch(/entry 1 published "2026-11-23T11:30:00" is not an RFC 3339 date-time/);

    // The Schematron rule of the RFC's schema: without a feed author, every entry needs one.
    const noAuthor = good.replace(/<author>.*?<\/author>/, '');
    expect(noAuthor).not.toBe(good);
    expect(atomRuleProblems(noAuthor)).toContain('an entry has no atom:author and neither has the feed (4.1.1)');
  });
});

describe('/history.atom', SLOW, () => {
  it('is valid Atom 1.0 with the page as id, title, self and alternate links and the latest update time', async () => {
    const f = await fixture();
    const { parsed, tree } = await atom(f.deps, '/history.atom');
    expect(parsed.feed).toMatchObject({
      id: `${TAG}history`,
      title: 'Test Cloud status',
      subtitle: 'Incidents and maintenance for Test Cloud',
      link: `${BASE}/`,
      updated: NOON - 10 * MINUTE,
    });
    expect(parsed.feed.links).toEqual(
      expect.arrayContaining([
        { rel: 'self', href: `${BASE}/history.atom`, type: 'application/atom+xml' },
        { rel: 'alternate', href: `${BASE}/`, type: 'text/html' },
      ]),
    );
    expect(textOf(tree.updated)).toBe(iso(NOON - 10 * MINUTE));
  });

  it('has one entry per incident or maintenance, newest first, with its updates newest first in escaped HTML content', async () => {
    const f = await fixture();
    const { parsed, res } = await atom(f.deps, '/history.atom');
    expect(parsed.entries.map((e) => [e.id, e.title, e.link, e.published, e.updated])).toEqual([
      [`${TAG}incident/${f.open}`, 'API errors', `${BASE}/incidents/${f.open}`, NOON - 30 * MINUTE, NOON - 10 * MINUTE],
      [`${TAG}incident/${f.old}`, 'Slow dashboard', `${BASE}/incidents/${f.old}`, NOON - 2 * DAY, NOON - 2 * DAY + HOUR],
      [
        `${TAG}incident/${f.maintenance}`,
        'Maintenance: Database upgrade',
        `${BASE}/incidents/${f.maintenance}`,
        NOON - 5 * DAY,
        NOON - 5 * DAY,
      ],
    ]);

    const open = atomContent(parsed.entries[0]!);
    expectInOrder(open, [
      '<strong>Monitoring</strong>',
      `<time datetime="${iso(NOON - 10 * MINUTE)}">23 Nov 2026, 11:50 UTC</time>`,
      '<p>Rolled back; we are watching error rates.</p>',
      '<strong>Identified</strong>',
      '<p>A bad deploy is the cause.</p>',
      '<strong>Investigating</strong>',
      `<time datetime="${iso(NOON - 30 * MINUTE)}">23 Nov 2026, 11:30 UTC</time>`,
      // The Markdown body, rendered.
      '<p>We are investigating <strong>elevated</strong> error rates.</p>',
      '<p>Affected components: API</p>',
    ]);
    // The hidden component is not named anywhere.
    expect(res.text).not.toContain('Internal');
    expect(parsed.entries[0]!.summary).toBe('Monitoring: Rolled back; we are watching error rates.');
    expect(parsed.entries[0]!.summaryDetail?.type).toBe('text/plain');

    expectInOrder(atomContent(parsed.entries[1]!), [
      '<strong>Resolved</strong>',
      '<p>Dashboard is fast again.</p>',
      '<strong>Investigating</strong>',
      '<p>Dashboard pages load slowly.</p>',
      '<p>Affected components: Web</p>',
    ]);
    expectInOrder(atomContent(parsed.entries[2]!), ['<strong>Scheduled</strong>', '<p>We will upgrade the database.</p>']);

    // The HTML is escaped character data in the XML, never markup.
    const xmlContent = xmlTree(res.text).feed.entry[0].content[0];
    expect(xmlContent['@type']).toBe('html');
    expect(res.text).toContain('&lt;p&gt;&lt;strong&gt;Monitoring&lt;/strong&gt;');
  });
});

describe('/history.rss', SLOW, () => {
  it('is RSS 2.0: channel title, link, description, self link, RFC 822 lastBuildDate', async () => {
    const f = await fixture();
    const { parsed, tree } = await rss(f.deps, '/history.rss');
    expect(textOf(tree.title)).toBe('Test Cloud status');
    expect(textOf(tree.link)).toBe(`${BASE}/`);
    expect(textOf(tree.description)).toBe('Incidents and maintenance for Test Cloud');
    expect(tree['atom:link']).toEqual([{ '@href': `${BASE}/history.rss`, '@rel': 'self', '@type': 'application/rss+xml' }]);
    expect(textOf(tree.lastBuildDate)).toBe('Mon, 23 Nov 2026 11:50:00 GMT');
    expect(parsed.feed).toMatchObject({ title: 'Test Cloud status', link: `${BASE}/`, updated: NOON - 10 * MINUTE });
    expect(selfHref(parsed.feed.links)).toBe(`${BASE}/history.rss`);
  });

  it('has one item per incident, newest first: page link, non-permalink guid, first update as pubDate, updates as escaped HTML', async () => {
    const f = await fixture();
    const { parsed, tree, res } = await rss(f.deps, '/history.rss');
    expect(tree.item.map((item: any) => [textOf(item.guid), item.guid['@isPermaLink'], textOf(item.pubDate)])).toEqual([
      [`${TAG}incident/${f.open}`, 'false', 'Mon, 23 Nov 2026 11:30:00 GMT'],
      [`${TAG}incident/${f.old}`, 'false', 'Sat, 21 Nov 2026 12:00:00 GMT'],
      [`${TAG}incident/${f.maintenance}`, 'false', 'Wed, 18 Nov 2026 12:00:00 GMT'],
    ]);
    expect(parsed.entries.map((e) => [e.id, e.guidIsLink, e.title, e.link, e.published])).toEqual([
      [`${TAG}incident/${f.open}`, false, 'API errors', `${BASE}/incidents/${f.open}`, NOON - 30 * MINUTE],
      [`${TAG}incident/${f.old}`, false, 'Slow dashboard', `${BASE}/incidents/${f.old}`, NOON - 2 * DAY],
      [`${TAG}incident/${f.maintenance}`, false, 'Maintenance: Database upgrade', `${BASE}/incidents/${f.maintenance}`, NOON - 5 * DAY],
    ]);
    expectInOrder(rssContent(parsed.entries[0]!), [
      '<strong>Monitoring</strong>',
      '<p>Rolled back; we are watching error rates.</p>',
      '<strong>Identified</strong>',
      '<p>A bad deploy is the cause.</p>',
      '<strong>Investigating</strong>',
      '<p>We are investigating <strong>elevated</strong> error rates.</p>',
      '<p>Affected components: API</p>',
    ]);
    expect(res.text).not.toContain('Internal');
    expect(res.text).toContain('<description>&lt;p&gt;&lt;strong&gt;Monitoring&lt;/strong&gt;');
  });
});

describe('ids and dates', SLOW, () => {
  it('mints ids as tag: URIs of the page host and creation year, identical in Atom, RSS and per-component feeds', async () => {
    // Pinned on purpose: changing the format would change every id that readers already stored.
    const f = await fixture();
    const expected = [f.open, f.old, f.maintenance].map((id) => `${TAG}incident/${id}`);
    const atomFeed = await atom(f.deps, '/history.atom');
    const rssFeed = await rss(f.deps, '/history.rss');
    expect(atomFeed.parsed.entries.map((e) => e.id)).toEqual(expected);
    expect(rssFeed.parsed.entries.map((e) => e.id)).toEqual(expected);
    for (const id of expected) expect(id).toMatch(/^tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[\x21-\x7e]+$/);
    const apiFeed = await atom(f.deps, `/components/${f.api}/history.atom`);
    expect(apiFeed.parsed.entries.map((e) => e.id)).toEqual([expected[0]]);
    const webFeed = await rss(f.deps, `/components/${f.web}/history.rss`);
    expect(webFeed.parsed.entries.map((e) => e.id)).toEqual(expected.slice(1));
  });

  it('keeps ids and published dates when updates are posted; the entry and feed updated move to the new update', async () => {
    const f = await fixture();
    const beforeAtom = await atom(f.deps, '/history.atom');
    const beforeRss = await rss(f.deps, '/history.rss');
    const again = await atom(f.deps, '/history.atom');
    expect(again.parsed.entries.map((e) => e.id)).toEqual(beforeAtom.parsed.entries.map((e) => e.id));
    expect(beforeAtom.parsed.feed.updated).toBe(NOON - 10 * MINUTE);

    f.deps.clock.set(NOON + 5 * MINUTE);
    await postUpdate(f.deps, {
      incidentId: f.open,
      status: 'resolved',
      body: 'Error rates are back to normal.',
      components: [{ componentId: f.api, status: 'operational' }],
    }, FIXTURE_ACTOR);
    const afterAtom = await atom(f.deps, '/history.atom');
    const afterRss = await rss(f.deps, '/history.rss');

    expect(afterAtom.parsed.entries.map((e) => e.id)).toEqual(beforeAtom.parsed.entries.map((e) => e.id));
    expect(afterRss.parsed.entries.map((e) => e.id)).toEqual(beforeRss.parsed.entries.map((e) => e.id));
    const [entry] = afterAtom.parsed.entries;
    expect(entry!.published).toBe(NOON - 30 * MINUTE);
    expect(entry!.updated).toBe(NOON + 5 * MINUTE);
    expect(entry!.summary).toBe('Resolved: Error rates are back to normal.');
    expectInOrder(atomContent(entry!), ['<strong>Resolved</strong>', '<p>Error rates are back to normal.</p>', '<strong>Monitoring</strong>']);
    // Untouched entries keep their dates.
    expect(afterAtom.parsed.entries.slice(1).map((e) => [e.published, e.updated])).toEqual(
      beforeAtom.parsed.entries.slice(1).map((e) => [e.published, e.updated]),
    );
    expect(afterAtom.parsed.feed.updated).toBe(NOON + 5 * MINUTE);
    expect(textOf(afterAtom.tree.updated)).toBe(iso(NOON + 5 * MINUTE));

    expect(textOf(afterRss.tree.item[0].pubDate)).toBe('Mon, 23 Nov 2026 11:30:00 GMT');
    expect(textOf(afterRss.tree.lastBuildDate)).toBe('Mon, 23 Nov 2026 12:05:00 GMT');
    expectInOrder(rssContent(afterRss.parsed.entries[0]!), ['<p>Error rates are back to normal.</p>', '<p>Rolled back; we are watching error rates.</p>']);

    // A new incident comes first and changes no other id.
    f.deps.clock.set(NOON + 10 * MINUTE);
    const fresh = await makeIncident(f.deps, { title: 'Login failures', components: [{ componentId: f.web, status: 'partial_outage' }] });
    const withNew = await atom(f.deps, '/history.atom');
    expect(withNew.parsed.entries.map((e) => e.id)).toEqual([`${TAG}incident/${fresh}`, ...beforeAtom.parsed.entries.map((e) => e.id)]);
    expect(withNew.parsed.entries[0]).toMatchObject({ published: NOON + 10 * MINUTE, updated: NOON + 10 * MINUTE });
    expect(withNew.parsed.feed.updated).toBe(NOON + 10 * MINUTE);
  });

  it('lists items newest first by publication date, including maintenance announced ahead of time', async () => {
    const deps = await createTestDeps({ now: NOON - 30 * DAY });
    // Announced three hours ago, for tomorrow.
    deps.clock.set(NOON - 3 * HOUR);
    const upgrade = await makeMaintenance(deps, { title: 'Upgrade', scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + HOUR });
    deps.clock.set(NOON - 30 * MINUTE);
    const outage = await makeIncident(deps, { title: 'Outage' });
    deps.clock.set(NOON);

    const atomFeed = await atom(deps, '/history.atom');
    expect(atomFeed.parsed.entries.map((e) => [e.id, e.published])).toEqual([
      [`${TAG}incident/${outage}`, NOON - 30 * MINUTE],
      [`${TAG}incident/${upgrade}`, NOON - 3 * HOUR],
    ]);
    const rssFeed = await rss(deps, '/history.rss');
    expect(rssFeed.tree.item.map((item: any) => textOf(item.pubDate))).toEqual([
      'Mon, 23 Nov 2026 11:30:00 GMT',
      'Mon, 23 Nov 2026 09:00:00 GMT',
    ]);
  });

  it('gives an incident the same id whichever host name the feed is requested through', async () => {
    // No PUBLIC_URL and no page URL: the base URL (and the self link) come from the request.
    const deps = await createTestDeps({ now: NOON - 30 * DAY, config: { publicUrl: null } });
    deps.clock.set(NOON - 30 * MINUTE);
    const id = await makeIncident(deps, { title: 'Outage' });
    deps.clock.set(NOON);

    const viaCom = await atom(deps, 'http://status.example.com/history.atom');
    const viaNet = await atom(deps, 'http://status.example.net/history.atom');
    expect(selfHref(viaCom.parsed.feed.links)).toBe('http://status.example.com/history.atom');
    expect(selfHref(viaNet.parsed.feed.links)).toBe('http://status.example.net/history.atom');
    expect(viaNet.parsed.entries[0]!.link).toBe(`http://status.example.net/incidents/${id}`);
    // RFC 4287 4.2.6: an entry's id must not change when the document is relocated.
    expect(viaNet.parsed.entries[0]!.id).toBe(viaCom.parsed.entries[0]!.id);
    expect(viaNet.parsed.feed.id).toBe(viaCom.parsed.feed.id);
  });
});

describe('escaping', SLOW, () => {
  const TITLE = `<script>alert(1)</script> ]]> & "double" 'single' \u0001\u202Eevil`;
  const HEAD = [
    '<script>alert(1)</script>',
    '',
    `]]> & <b>not bold</b> **bold** [docs](https://example.com/?a=1&b=2) [bad](javascript:alert(1)) \u0001 \u202E reversed`,
    '',
  ].join('\n');
  const FILLER = 'lorem ipsum dolor sit amet '.repeat(400);
  const BODY = `${HEAD}${FILLER}`.slice(0, 9_990) + ' THE END.';

  async function hostile() {
    const deps = await createTestDeps({ now: NOON - 30 * DAY });
    const api = await makeComponent(deps, { name: 'R&D <API>' });
    deps.clock.set(NOON - 30 * MINUTE);
    const id = await makeIncident(deps, { title: TITLE, body: BODY, components: [{ componentId: api, status: 'major_outage' }] });
    deps.clock.set(NOON);
    return { deps, api, id };
  }

  const expectedTitle = TITLE.replace('\u0001', '');

  function expectSafeXml(xml: string): void {
    expect(xml).not.toMatch(/<script/i);
    // "]]>" is forbidden in character data (XML 1.0, 2.4): it must be escaped.
    expect(xml).not.toContain(']]>');
    expect(xml).not.toContain('\u0001');
    expect(xml).toContain('\u202E');
  }

  function expectEscapedHtml(html: string): void {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(html).toContain(']]&gt; &amp; &lt;b&gt;not bold&lt;/b&gt; <strong>bold</strong>');
    expect(html).toContain('<a href="https://example.com/?a=1&amp;b=2" rel="nofollow noopener noreferrer">docs</a>');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('\u202E reversed');
    expect(html).not.toContain('\u0001');
    expect(html).toContain(`${FILLER.slice(0, 200)}`);
    expect(html).toContain('THE END.');
  }

  it('keeps hostile titles and bodies well-formed and schema-valid in Atom, with the HTML escaped', async () => {
    expect(BODY).toHaveLength(9_999);
    const h = await hostile();
    const { parsed, res } = await atom(h.deps, '/history.atom');
    expectSafeXml(res.text);
    const [entry] = parsed.entries;
    expect(entry!.title).toBe(expectedTitle);
    expect(entry!.titleDetail?.type).toBe('text/plain');
    expectEscapedHtml(atomContent(entry!));
    expect(atomContent(entry!)).toContain('<p>Affected components: R&amp;D &lt;API&gt;</p>');
    // The summary is one line of plain text, cut to 280 characters.
    expect(entry!.summary!.startsWith('Investigating: ')).toBe(true);
    expect(entry!.summary!.length).toBeLessThanOrEqual('Investigating: '.length + 280);
    expect(entry!.summary).not.toContain('\u0001');
    expect(entry!.summary!.endsWith('…')).toBe(true);

    const component = await atom(h.deps, `/components/${h.api}/history.atom`);
    expectSafeXml(component.res.text);
    expect(component.parsed.feed.title).toBe('Test Cloud · R&D <API> status');
    expect(component.parsed.feed.subtitle).toBe('Incidents and maintenance affecting R&D <API>');
    expect(component.parsed.entries[0]!.title).toBe(expectedTitle);
  });

  it('keeps hostile titles and bodies well-formed in RSS, with the HTML escaped', async () => {
    const h = await hostile();
    const { parsed, res } = await rss(h.deps, '/history.rss');
    expectSafeXml(res.text);
    expect(parsed.entries[0]!.title).toBe(expectedTitle);
    expectEscapedHtml(rssContent(parsed.entries[0]!));
    const component = await rss(h.deps, `/components/${h.api}/history.rss`);
    expectSafeXml(component.res.text);
    expect(component.parsed.feed.title).toBe('Test Cloud · R&D <API> status');
  });

  it('cuts a long summary without splitting a character in two', async () => {
    const deps = await createTestDeps({ now: NOON - 30 * DAY });
    deps.clock.set(NOON - 30 * MINUTE);
    // The cut at 279 UTF-16 code units falls inside the first emoji's surrogate pair.
    await makeIncident(deps, { title: 'Emoji', body: `${'a'.repeat(278)}${'😀'.repeat(20)}` });
    deps.clock.set(NOON);
    const { parsed } = await atom(deps, '/history.atom');
    const summary = parsed.entries[0]!.summary!;
    expect(summary.startsWith(`Investigating: ${'a'.repeat(278)}`)).toBe(true);
    expect(summary, 'a lone surrogate reaches the wire as U+FFFD').not.toContain('\uFFFD');
    expect(summary.endsWith('…')).toBe(true);
  });
});

describe('per-component feeds', SLOW, () => {
  it('list only the incidents affecting the component, with the component feed as id, title and self link', async () => {
    const f = await fixture();
    const api = await atom(f.deps, `/components/${f.api}/history.atom`);
    expect(api.parsed.feed).toMatchObject({
      id: `${TAG}component/${f.api}`,
      title: 'Test Cloud · API status',
      subtitle: 'Incidents and maintenance affecting API',
      link: `${BASE}/`,
      updated: NOON - 10 * MINUTE,
    });
    expect(selfHref(api.parsed.feed.links)).toBe(`${BASE}/components/${f.api}/history.atom`);
    expect(api.parsed.entries.map((e) => [e.id, e.title])).toEqual([[`${TAG}incident/${f.open}`, 'API errors']]);

    const web = await atom(f.deps, `/components/${f.web}/history.atom`);
    expect(web.parsed.entries.map((e) => e.title)).toEqual(['Slow dashboard', 'Maintenance: Database upgrade']);
    expect(web.parsed.feed.updated).toBe(NOON - 2 * DAY + HOUR);
    expect(selfHref(web.parsed.feed.links)).toBe(`${BASE}/components/${f.web}/history.atom`);

    const webRss = await rss(f.deps, `/components/${f.web}/history.rss`);
    expect(webRss.tree['atom:link'][0]['@href']).toBe(`${BASE}/components/${f.web}/history.rss`);
    expect(textOf(webRss.tree.title)).toBe('Test Cloud · Web status');
    expect(webRss.parsed.entries.map((e) => e.title)).toEqual(['Slow dashboard', 'Maintenance: Database upgrade']);
    expect(textOf(webRss.tree.lastBuildDate)).toBe('Sat, 21 Nov 2026 13:00:00 GMT');

    // A component without incidents: a valid feed without entries, as old as the page.
    const quiet = await atom(f.deps, `/components/${f.quiet}/history.atom`);
    expect(quiet.parsed.entries).toEqual([]);
    expect(quiet.parsed.feed.updated).toBe(NOON - 30 * DAY);
    const quietRss = await rss(f.deps, `/components/${f.quiet}/history.rss`);
    expect(quietRss.parsed.entries).toEqual([]);
  });

  it('answer 404 for hidden, unknown and malformed component ids', async () => {
    const f = await fixture();
    for (const id of [f.secret, 'zzzzzzzzzzzz', 'NOT-AN-ID', `${f.api}x`, 'a'.repeat(40)]) {
      for (const format of ['atom', 'rss']) {
        const res = await get(f.deps, `/components/${encodeURIComponent(id)}/history.${format}`);
        expect(res.status, `${id}.${format}`).toBe(404);
      }
    }
  });
});

describe('conditional GET', SLOW, () => {
  const paths = (f: Awaited<ReturnType<typeof fixture>>): [string, string][] => [
    ['/history.atom', ATOM_TYPE],
    ['/history.rss', RSS_TYPE],
    [`/components/${f.api}/history.atom`, ATOM_TYPE],
    [`/components/${f.api}/history.rss`, RSS_TYPE],
  ];

  it('answers a matching If-None-Match with 304 and no body, and a stale one with the new feed', async () => {
    const f = await fixture();
    const etags = new Map<string, string>();
    for (const [path, type] of paths(f)) {
      const first = await fetchOk(f.deps, path, type);
      const etag = first.headers.get('etag');
      expect(etag, path).toMatch(/^"[^"]+"$/);
      etags.set(path, etag!);
      // Same content, same ETag.
      expect((await fetchOk(f.deps, path, type)).headers.get('etag')).toBe(etag);

      const hit = await get(f.deps, path, { 'If-None-Match': etag! });
      expect(hit.status, path).toBe(304);
      expect(hit.text).toBe('');
      expect(hit.headers.get('etag')).toBe(etag);
      expect(hit.headers.get('last-modified')).toBe(first.headers.get('last-modified'));
      expect((await get(f.deps, path, { 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
      expect((await get(f.deps, path, { 'If-None-Match': '"other"' })).status).toBe(200);
      // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
      const both = await get(f.deps, path, { 'If-None-Match': '"other"', 'If-Modified-Since': first.headers.get('last-modified')! });
      expect(both.status).toBe(200);
    }

    f.deps.clock.set(NOON + 5 * MINUTE);
    await postUpdate(f.deps, { incidentId: f.open, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    for (const [path] of paths(f)) {
      const stale = await get(f.deps, path, { 'If-None-Match': etags.get(path)! });
      expect(stale.status, path).toBe(200);
      expect(stale.text).toContain('Fixed.');
      expect(stale.headers.get('etag')).not.toBe(etags.get(path));
      expect((await get(f.deps, path, { 'If-None-Match': stale.headers.get('etag')! })).status).toBe(304);
    }
  });

  it('sends the latest update time as Last-Modified and honours If-Modified-Since', async () => {
    const f = await fixture();
    const latest = 'Mon, 23 Nov 2026 11:50:00 GMT';
    for (const [path, type] of paths(f)) {
      const res = await fetchOk(f.deps, path, type);
      expect(res.headers.get('last-modified'), path).toBe(latest);
      expect((await get(f.deps, path, { 'If-Modified-Since': latest })).status, path).toBe(304);
      expect((await get(f.deps, path, { 'If-Modified-Since': 'Mon, 23 Nov 2026 11:51:00 GMT' })).status).toBe(304);
      const earlier = await get(f.deps, path, { 'If-Modified-Since': 'Mon, 23 Nov 2026 11:49:59 GMT' });
      expect(earlier.status).toBe(200);
      expect(earlier.text).toContain('API errors');
      expect((await get(f.deps, path, { 'If-Modified-Since': 'not a date' })).status).toBe(200);
    }
    const web = await fetchOk(f.deps, `/components/${f.web}/history.atom`, ATOM_TYPE);
    expect(web.headers.get('last-modified')).toBe('Sat, 21 Nov 2026 13:00:00 GMT');

    // Time passing alone changes neither the feed, its ETag nor Last-Modified.
    const before = await fetchOk(f.deps, '/history.atom', ATOM_TYPE);
    f.deps.clock.set(NOON + 2 * HOUR);
    const later = await fetchOk(f.deps, '/history.atom', ATOM_TYPE);
    expect(later.headers.get('last-modified')).toBe(latest);
    expect(later.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(later.text).toBe(before.text);

    // A new update moves Last-Modified; the old date now gets the feed.
    await postUpdate(f.deps, { incidentId: f.open, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    for (const [path, type] of paths(f)) {
      const res = await fetchOk(f.deps, path, type);
      expect(res.headers.get('last-modified'), path).toBe('Mon, 23 Nov 2026 14:00:00 GMT');
      expect((await get(f.deps, path, { 'If-Modified-Since': latest })).status).toBe(200);
    }
  });

  it('compares Last-Modified in whole seconds when an update has milliseconds', async () => {
    const deps = await createTestDeps({ now: NOON - 30 * DAY });
    deps.clock.set(NOON + 500);
    await makeIncident(deps, { title: 'Outage' });
    const res = await fetchOk(deps, '/history.atom', ATOM_TYPE);
    expect(textOf(xmlTree(res.text).feed.updated)).toBe('2026-11-23T12:00:00.500Z');
    expect(textOf(xmlTree(res.text).feed.updated)).toMatch(RFC3339);
    expect(res.headers.get('last-modified')).toBe('Mon, 23 Nov 2026 12:00:00 GMT');
    expect((await get(deps, '/history.atom', { 'If-Modified-Since': 'Mon, 23 Nov 2026 12:00:00 GMT' })).status).toBe(304);
    expect((await get(deps, '/history.atom', { 'If-Modified-Since': 'Mon, 23 Nov 2026 11:59:59 GMT' })).status).toBe(200);
  });
});

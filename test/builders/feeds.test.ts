import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { atomFeed } from '../../src/feeds/atom.js';
import type { Feed, FeedEntry } from '../../src/feeds/feed.js';
import { rssFeed } from '../../src/feeds/rss.js';

/*
 * The Atom (RFC 4287) and RSS 2.0 builders on their own. The HTTP tests run
 * jing and feedparser over real feeds; these pin each element and escape.
 */

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'item', 'link'].includes(name) });
type Node = Record<string, any>;

const entry = (overrides: Partial<FeedEntry> = {}): FeedEntry => ({
  id: 'tag:status.example.com,2026:incident/abc',
  title: 'Checkout unavailable',
  link: 'https://status.example.com/incidents/abc',
  published: Date.UTC(2026, 10, 23, 12, 0, 0),
  updated: Date.UTC(2026, 10, 23, 13, 30, 5),
  contentHtml: '<p><strong>Resolved</strong> - Fixed.</p>',
  summary: 'Resolved - Fixed.',
  ...overrides,
});

const feed = (entries: FeedEntry[], overrides: Partial<Feed> = {}): Feed => ({
  id: 'tag:status.example.com,2026:history',
  title: 'Acme Status',
  subtitle: 'Incidents and maintenance',
  selfUrl: 'https://status.example.com/history.atom',
  alternateUrl: 'https://status.example.com/history',
  updated: Date.UTC(2026, 10, 23, 13, 30, 5),
  entries,
  ...overrides,
});

const HOSTILE = [
  { case: 'markup', text: '<script>alert(1)</script>' },
  { case: 'ampersand and quotes', text: `Tom & "Jerry" 'x'` },
  { case: 'a CDATA end', text: 'a ]]> b' },
  { case: 'control characters', text: 'bell\u0007 and form feed\u000C' },
  { case: 'non-ASCII', text: 'Zürich — 状态 ✓' },
];
const clean = (text: string): string => text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

describe('atomFeed', () => {
  const parse = (f: Feed): Node => (parser.parse(atomFeed(f)) as { feed: Node }).feed;

  it('has the feed elements RFC 4287 requires, in order, with RFC 3339 dates and self/alternate links', () => {
    const text = atomFeed(feed([entry()]));
    expect(text.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">')).toBe(true);
    const f = parse(feed([entry()]));
    expect(f.id).toBe('tag:status.example.com,2026:history');
    expect(f.title['#text']).toBe('Acme Status');
    expect(f.updated).toBe('2026-11-23T13:30:05.000Z');
    expect(f.link.map((l: Node) => [l['@rel'], l['@type'], l['@href']])).toEqual([
      ['self', 'application/atom+xml', 'https://status.example.com/history.atom'],
      ['alternate', 'text/html', 'https://status.example.com/history'],
    ]);
    expect(f.author).toEqual({ name: 'Acme Status', uri: 'https://status.example.com/history' });
    expect(text.indexOf('<id>')).toBeLessThan(text.indexOf('<entry>'));
  });

  it('writes each entry with its id, link, dates, text summary and escaped HTML content, in the given order', () => {
    const f = parse(feed([entry(), entry({ id: 'tag:x,2026:2', title: 'Second' })]));
    expect(f.entry.map((e: Node) => e.id)).toEqual(['tag:status.example.com,2026:incident/abc', 'tag:x,2026:2']);
    const [first] = f.entry;
    expect(first.published).toBe('2026-11-23T12:00:00.000Z');
    expect(first.updated).toBe('2026-11-23T13:30:05.000Z');
    expect(first.link[0]['@href']).toBe('https://status.example.com/incidents/abc');
    expect(first.summary).toEqual({ '#text': 'Resolved - Fixed.', '@type': 'text' });
    expect(first.content).toEqual({ '#text': '<p><strong>Resolved</strong> - Fixed.</p>', '@type': 'html' });
    expect(atomFeed(feed([entry()]))).toContain('<content type="html">&lt;p&gt;&lt;strong&gt;Resolved');
  });

  it('is a feed without entries when nothing happened', () => {
    const f = parse(feed([]));
    expect(f.entry).toBeUndefined();
    expect(f.id).toBeDefined();
  });

  it.each(HOSTILE)('keeps $case in titles and content as text, never as markup', ({ text }) => {
    const raw = atomFeed(feed([entry({ title: text, contentHtml: text, summary: text })], { title: text }));
    expect(raw).not.toContain('<script>');
    expect(raw).not.toContain('<![CDATA[');
    expect(raw).not.toMatch(/[\u0000-\u0008\u000B\u000C]/);
    const f = parse(feed([entry({ title: text, contentHtml: text, summary: text })], { title: text }));
    expect(String(f.entry[0].title['#text'])).toBe(clean(text));
    expect(String(f.entry[0].content['#text'])).toBe(clean(text));
  });
});

describe('rssFeed', () => {
  const parse = (f: Feed): Node => (parser.parse(rssFeed(f)) as { rss: Node }).rss;

  it('has an RSS 2.0 channel with RFC 822 dates and an atom:link to itself', () => {
    const rss = parse(feed([entry()], { selfUrl: 'https://status.example.com/history.rss' }));
    expect(rss['@version']).toBe('2.0');
    expect(rss['@xmlns:atom']).toBe('http://www.w3.org/2005/Atom');
    const channel = rss.channel;
    expect(channel.title).toBe('Acme Status');
    expect(channel.link[0]).toBe('https://status.example.com/history');
    expect(channel.description).toBe('Incidents and maintenance');
    expect(channel.lastBuildDate).toBe('Mon, 23 Nov 2026 13:30:05 GMT');
    expect(channel['atom:link']).toEqual({ '@href': 'https://status.example.com/history.rss', '@rel': 'self', '@type': 'application/rss+xml' });
  });

  it('writes each item with its link, a guid that is not a permalink, the publication date and escaped HTML', () => {
    const items = parse(feed([entry(), entry({ id: 'tag:x,2026:2', published: Date.UTC(2026, 0, 5, 8, 4, 9) })])).channel.item;
    expect(items).toHaveLength(2);
    expect(items[0].guid).toEqual({ '#text': 'tag:status.example.com,2026:incident/abc', '@isPermaLink': 'false' });
    expect(items[0].link[0]).toBe('https://status.example.com/incidents/abc');
    expect(items[0].pubDate).toBe('Mon, 23 Nov 2026 12:00:00 GMT');
    expect(items[1].pubDate).toBe('Mon, 05 Jan 2026 08:04:09 GMT');
    expect(items[0].description).toBe('<p><strong>Resolved</strong> - Fixed.</p>');
  });

  it('is a channel without items when nothing happened', () => {
    expect(parse(feed([])).channel.item).toBeUndefined();
  });

  it.each(HOSTILE)('keeps $case in titles and descriptions as text, never as markup', ({ text }) => {
    const raw = rssFeed(feed([entry({ title: text, contentHtml: text })], { title: text }));
    expect(raw).not.toContain('<script>');
    expect(raw).not.toContain('<![CDATA[');
    expect(raw).not.toMatch(/[\u0000-\u0008\u000B\u000C]/);
    const item = parse(feed([entry({ title: text, contentHtml: text })], { title: text })).channel.item[0];
    expect(String(item.title)).toBe(clean(text));
    expect(String(item.description)).toBe(clean(text));
  });
});

/*
 * The exact escapes on the wire: both builders pass every value (text and
 * attribute alike) through xmlEscape (src/lib/xml.ts), which turns & < > " '
 * into &amp; &lt; &gt; &quot; &apos;. HTML content is escaped once more on
 * top of its own escaping, as Atom type="html" and RSS <description> require.
 */
describe('the escapes written, character by character', () => {
  const nasty = `Tom & "Jerry" 'x' <b>`;
  const escaped = 'Tom &amp; &quot;Jerry&quot; &apos;x&apos; &lt;b&gt;';
  const url = `https://status.example.com/incidents/abc?a=1&b="2"&c='3'`;
  const escapedUrl = 'https://status.example.com/incidents/abc?a=1&amp;b=&quot;2&quot;&amp;c=&apos;3&apos;';
  const html = `<p title="it's">A &amp; B</p>`;
  const escapedHtml = '&lt;p title=&quot;it&apos;s&quot;&gt;A &amp;amp; B&lt;/p&gt;';
  const hostile = feed([entry({ id: `tag:x,2026:a&b`, title: nasty, link: url, summary: nasty, contentHtml: html })], {
    id: 'tag:x,2026:h&i',
    title: nasty,
    subtitle: nasty,
    selfUrl: `${url}&self`,
    alternateUrl: url,
  });

  it('atomFeed escapes & " \' < > in every element and attribute', () => {
    const text = atomFeed(hostile);
    expect(text).toContain('<id>tag:x,2026:h&amp;i</id>');
    expect(text).toContain(`<title type="text">${escaped}</title><subtitle type="text">${escaped}</subtitle>`);
    expect(text).toContain(`<link rel="self" type="application/atom+xml" href="${escapedUrl}&amp;self"/>`);
    expect(text).toContain(`<link rel="alternate" type="text/html" href="${escapedUrl}"/>`);
    expect(text).toContain(`<author><name>${escaped}</name><uri>${escapedUrl}</uri></author>`);
    expect(text).toContain('<entry><id>tag:x,2026:a&amp;b</id>');
    expect(text).toContain(`<summary type="text">${escaped}</summary>`);
    expect(text).toContain(`<content type="html">${escapedHtml}</content>`);
    // Nothing of the raw values is left unescaped.
    expect(text).not.toContain(nasty);
    expect(text).not.toContain(`"it's"`);
    expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  it('rssFeed escapes & " \' < > in every element and attribute', () => {
    const text = rssFeed(hostile);
    expect(text).toContain(`<channel><title>${escaped}</title><link>${escapedUrl}</link><description>${escaped}</description>`);
    expect(text).toContain(`<atom:link href="${escapedUrl}&amp;self" rel="self" type="application/rss+xml"/>`);
    expect(text).toContain(`<item><title>${escaped}</title><link>${escapedUrl}</link><guid isPermaLink="false">tag:x,2026:a&amp;b</guid>`);
    expect(text).toContain(`<description>${escapedHtml}</description>`);
    expect(text).not.toContain(nasty);
    expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  it('parses back to the original values', () => {
    const f = (parser.parse(atomFeed(hostile)) as { feed: Node }).feed;
    expect(f.title['#text']).toBe(nasty);
    expect(f.link[1]['@href']).toBe(url);
    expect(f.entry[0].content['#text']).toBe(html);
    const item = (parser.parse(rssFeed(hostile)) as { rss: Node }).rss.channel.item[0];
    expect(item.title).toBe(nasty);
    expect(item.description).toBe(html);
  });
});

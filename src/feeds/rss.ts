import type { Feed } from './feed.js';
import { xmlEscape } from '../lib/xml.js';

/** RFC 822 dates, as RSS 2.0 requires ("Mon, 23 Nov 2026 12:00:00 GMT"). */
const rfc822 = (ms: number): string => new Date(ms).toUTCString();

/** An RSS 2.0 document, with an atom:link to itself as the RSS Advisory Board recommends. */
export function rssFeed(feed: Feed): string {
  const items = feed.entries.map(
    (entry) =>
      `<item>` +
      `<title>${xmlEscape(entry.title)}</title>` +
      `<link>${xmlEscape(entry.link)}</link>` +
      `<guid isPermaLink="false">${xmlEscape(entry.id)}</guid>` +
      `<pubDate>${rfc822(entry.published)}</pubDate>` +
      `<description>${xmlEscape(entry.contentHtml)}</description>` +
      `</item>`,
  );
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>` +
    `<title>${xmlEscape(feed.title)}</title>` +
    `<link>${xmlEscape(feed.alternateUrl)}</link>` +
    `<description>${xmlEscape(feed.subtitle)}</description>` +
    `<language>en</language>` +
    `<lastBuildDate>${rfc822(feed.updated)}</lastBuildDate>` +
    `<generator>Herald</generator>` +
    `<atom:link href="${xmlEscape(feed.selfUrl)}" rel="self" type="application/rss+xml"/>` +
    items.join('') +
    `</channel></rss>\n`
  );
}

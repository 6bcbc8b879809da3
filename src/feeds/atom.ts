import type { Feed } from './feed.js';
import { xmlEscape } from '../lib/xml.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** An Atom 1.0 (RFC 4287) document. HTML content is escaped, as type="html" requires. */
export function atomFeed(feed: Feed): string {
  const entries = feed.entries.map(
    (entry) =>
      `<entry>` +
      `<id>${xmlEscape(entry.id)}</id>` +
      `<title type="text">${xmlEscape(entry.title)}</title>` +
      `<link rel="alternate" type="text/html" href="${xmlEscape(entry.link)}"/>` +
      `<published>${iso(entry.published)}</published>` +
      `<updated>${iso(entry.updated)}</updated>` +
      `<summary type="text">${xmlEscape(entry.summary)}</summary>` +
      `<content type="html">${xmlEscape(entry.contentHtml)}</content>` +
      `</entry>`,
  );
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">` +
    `<id>${xmlEscape(feed.id)}</id>` +
    `<title type="text">${xmlEscape(feed.title)}</title>` +
    `<subtitle type="text">${xmlEscape(feed.subtitle)}</subtitle>` +
    `<link rel="self" type="application/atom+xml" href="${xmlEscape(feed.selfUrl)}"/>` +
    `<link rel="alternate" type="text/html" href="${xmlEscape(feed.alternateUrl)}"/>` +
    `<updated>${iso(feed.updated)}</updated>` +
    `<author><name>${xmlEscape(feed.title)}</name><uri>${xmlEscape(feed.alternateUrl)}</uri></author>` +
    `<generator>Herald</generator>` +
    entries.join('') +
    `</feed>\n`
  );
}

import { XMLParser } from 'fast-xml-parser';

/*
 * A plain tree of an XML document, for reading structure in assertions
 * (attributes as "@name", text as "#text" when an element also has
 * attributes). Elements that may repeat in a feed are always arrays.
 * Well-formedness and validity are checked by the real tools in tools.ts.
 */

const REPEATED = new Set(['entry', 'item', 'link', 'atom:link', 'author', 'category', 'contributor', 'content']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => REPEATED.has(name),
});

export function xmlTree(xml: string): any {
  return parser.parse(xml);
}

/** The text of an element read by xmlTree (with or without attributes; the first of repeated ones). */
export function textOf(node: any): string {
  if (Array.isArray(node)) return textOf(node[0]);
  if (node === undefined || node === null) return '';
  return typeof node === 'object' ? String(node['#text'] ?? '') : String(node);
}

/** RFC 3339 date-time (section 5.6), as Atom Date constructs require: upper-case "T" and "Z", a time zone. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 822 date as RSS 2.0 uses it (RFC 1123 four-digit year), in GMT: "Mon, 23 Nov 2026 12:00:00 GMT". */
export const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The RFC 4287 rules a RELAX NG schema cannot express (the RFC's schema has
 * the first two only as Schematron annotations, which jing ignores). Returns
 * the problems found; none for a conforming feed.
 */
export function atomRuleProblems(xml: string): string[] {
  const problems: string[] = [];
  const feed = xmlTree(xml).feed;
  if (!feed) return ['the document element is not atom:feed'];
  const entries: any[] = feed.entry ?? [];
  const dates = (node: any, where: string): void => {
    for (const name of ['updated', 'published']) {
      if (node[name] === undefined) continue;
      const value = textOf(node[name]).trim();
      if (!RFC3339.test(value)) problems.push(`${where} ${name} "${value}" is not an RFC 3339 date-time (3.3)`);
    }
  };
  const alternates = (links: any[], where: string): void => {
    const seen = new Set<string>();
    for (const link of links.filter((l) => (l['@rel'] ?? 'alternate') === 'alternate')) {
      const key = `${link['@type'] ?? ''}|${link['@hreflang'] ?? ''}`;
      if (seen.has(key)) problems.push(`${where} has two alternate links with type and hreflang "${key}" (4.1.1, 4.1.2)`);
      seen.add(key);
    }
  };

  if (!feed.author && entries.some((e) => !e.author)) {
    problems.push('an entry has no atom:author and neither has the feed (4.1.1)');
  }
  dates(feed, 'feed');
  alternates(feed.link ?? [], 'feed');
  entries.forEach((entry, i) => {
    const where = `entry ${i + 1}`;
    const links: any[] = entry.link ?? [];
    if (!entry.content && !links.some((l) => (l['@rel'] ?? 'alternate') === 'alternate')) {
      problems.push(`${where} has neither atom:content nor an alternate link (4.1.2)`);
    }
    alternates(links, where);
    dates(entry, where);
    const content = entry.content?.[0];
    // 4.1.3.3: type="html" content is escaped HTML: character data only, no child elements.
    if (content && typeof content === 'object' && ['html', 'text', undefined].includes(content['@type'])) {
      const children = Object.keys(content).filter((k) => !k.startsWith('@') && k !== '#text');
      if (children.length) problems.push(`${where} content has child elements (${children.join(', ')})`);
    }
  });
  const ids: string[] = entries.map((e) => textOf(e.id).trim());
  if (new Set(ids).size !== ids.length) problems.push('two entries share an atom:id');
  return problems;
}

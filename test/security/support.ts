import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { sql } from 'drizzle-orm';
import type { Deps } from '../../src/deps.js';

/*
 * Checks shared by the security suites: what a browser would execute in an
 * HTML or SVG document, whether XML is well-formed, and a dump of the whole
 * database to prove nothing changed.
 */

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

/** Attributes whose value a browser loads or navigates to. */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'background',
  'srcset',
  'data',
  'codebase',
  'cite',
  'ping',
]);

/** Elements that load or run something; none belongs in Herald's pages. */
const FORBIDDEN_ELEMENTS = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'link', 'portal', 'noscript']);

/** Browsers drop tabs, newlines and leading control characters and spaces before reading a URL's scheme. */
function schemeOf(value: string): string {
  const cleaned = value.replace(/[\u0000-\u0020\u007F]/g, '').toLowerCase();
  const match = /^([a-z][a-z0-9+.-]*):/.exec(cleaned);
  return match ? match[1]! : '';
}

/** Links to images Markdown may keep (markdown-it allows these data: URLs); nothing else with data:. */
const SAFE_DATA_IMAGE = /^data:image\/(gif|png|jpeg|webp);/i;

/** Herald's own <link>s: the icon and the feeds, on fixed paths of its own. */
function isOwnLink(element: Element): boolean {
  if (element.tagName !== 'link') return false;
  const attr = (name: string): string => element.attrs.find((a) => a.name === name)?.value ?? '';
  return ['icon', 'alternate'].includes(attr('rel')) && /^\/[a-z0-9][a-z0-9./-]*$/i.test(attr('href'));
}

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

function children(node: Node): Node[] {
  const list = 'childNodes' in node ? [...node.childNodes] : [];
  // <template> keeps its children in a separate fragment.
  if (isElement(node) && node.tagName === 'template' && 'content' in node) list.push(...(node as DefaultTreeAdapterTypes.Template).content.childNodes);
  return list;
}

function walk(node: Node, visit: (element: Element) => void): void {
  if (isElement(node)) visit(node);
  for (const child of children(node)) walk(child, visit);
}

export interface HtmlReport {
  /** Anything executable or loadable an attacker could have planted; empty when safe. */
  problems: string[];
  /** HTML parse errors (a broken structure: an unclosed tag, a stray end tag, a bad attribute). */
  parseErrors: string[];
  /** Text content and attribute values, for checking that hostile text is shown as text. */
  text: string;
}

/** Parses HTML as a browser does (parse5 follows the WHATWG algorithm) and reports executable markup. */
export function inspectHtml(html: string): HtmlReport {
  const parseErrors: string[] = [];
  const document = parse(html, {
    onParseError: (error) => parseErrors.push(`${error.code} at ${error.startLine}:${error.startCol}: ${JSON.stringify(html.slice(Math.max(0, error.startOffset - 30), error.startOffset + 30))}`),
  });
  const problems: string[] = [];
  const texts: string[] = [];
  const collectText = (node: Node): void => {
    if (node.nodeName === '#text') texts.push((node as DefaultTreeAdapterTypes.TextNode).value);
    for (const child of children(node)) collectText(child);
  };
  collectText(document);
  walk(document, (element) => {
    const name = element.tagName.toLowerCase();
    if (FORBIDDEN_ELEMENTS.has(name) && !isOwnLink(element)) problems.push(`<${name}> element`);
    if (name === 'meta' && element.attrs.some((a) => a.name === 'http-equiv')) problems.push('<meta http-equiv>');
    if (name === 'style') {
      // Herald's own style sheets load nothing and hold no markup; a planted one would.
      const css = children(element).map((child) => (child.nodeName === '#text' ? (child as DefaultTreeAdapterTypes.TextNode).value : '')).join('');
      if (/url\(|@import|expression\(|<|alert/i.test(css)) problems.push(`<style> with ${JSON.stringify(css.slice(0, 80))}`);
    }
    if (name === 'svg' || name === 'math') problems.push(`<${name}> element (foreign content)`);
    for (const attribute of element.attrs) {
      const attr = (attribute.prefix ? `${attribute.prefix}:${attribute.name}` : attribute.name).toLowerCase();
      texts.push(attribute.value);
      if (attr.startsWith('on')) problems.push(`${attr}= on <${name}>`);
      if (attr === 'style' && /url\(|expression\(|@import/i.test(attribute.value)) problems.push(`style= loading something on <${name}>`);
      if (attr === 'srcdoc') problems.push(`srcdoc= on <${name}>`);
      if (URL_ATTRIBUTES.has(attr)) {
        const scheme = schemeOf(attribute.value);
        if (scheme === 'javascript' || scheme === 'vbscript') problems.push(`${attr}="${attribute.value}" on <${name}>`);
        if (scheme === 'data' && !(attr === 'href' && SAFE_DATA_IMAGE.test(attribute.value.trim()))) problems.push(`${attr}="${attribute.value.slice(0, 60)}" on <${name}>`);
        if ((attr === 'action' || attr === 'formaction') && !/^(\/(?!\/)|#|$)/.test(attribute.value)) problems.push(`${attr}="${attribute.value}" leaves the site`);
      }
    }
  });
  return { problems, parseErrors, text: texts.join('\n') };
}

/** What HTML does to text on the way in: CRLF and CR become LF, NUL becomes U+FFFD. */
export function asHtmlText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\u0000/g, '\uFFFD');
}

export interface XmlReport {
  /** Well-formedness errors (XMLValidator); empty when well-formed. */
  errors: string[];
  /** Executable markup in an SVG or XML document. */
  problems: string[];
}

const xmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true, processEntities: true });

/** Checks an XML document (feed, SVG) is well-formed and carries no script or event handler. */
export function inspectXml(xml: string): XmlReport {
  const valid = XMLValidator.validate(xml);
  const errors = valid === true ? [] : [`${valid.err.code}: ${valid.err.msg} (line ${valid.err.line})`];
  const problems: string[] = [];
  if (errors.length === 0) {
    const visit = (nodes: unknown[]): void => {
      for (const node of nodes as Record<string, unknown>[]) {
        for (const [key, value] of Object.entries(node)) {
          if (key === ':@') {
            for (const [attr, attrValue] of Object.entries(value as Record<string, string>)) {
              const name = attr.slice(1).toLowerCase();
              if (name.startsWith('on')) problems.push(`${name}= attribute`);
              if ((name === 'href' || name === 'xlink:href' || name === 'src') && ['javascript', 'data', 'vbscript'].includes(schemeOf(String(attrValue)))) {
                problems.push(`${name}="${attrValue}"`);
              }
            }
            continue;
          }
          if (/(^|:)(script|foreignobject|iframe|handler)$/i.test(key)) problems.push(`<${key}> element`);
          if (Array.isArray(value)) visit(value);
        }
      }
    };
    visit(xmlParser.parse(xml) as unknown[]);
  }
  return { errors, problems };
}

/** Every string anywhere in a JSON value. */
export function jsonStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) jsonStrings(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) jsonStrings(item, out);
  return out;
}

/** Every table and every row, as one comparable value. */
export async function snapshotDatabase(deps: Pick<Deps, 'db'>): Promise<Record<string, unknown[]>> {
  const orm = deps.db.orm;
  const tables = (await orm.all<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
  )) as { name: string }[];
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    dump[name] = (await orm.all(sql.raw(`SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY rowid`))) as unknown[];
  }
  const schema = (await orm.all(sql`SELECT type, name, sql FROM sqlite_master ORDER BY type, name`)) as unknown[];
  dump['<schema>'] = schema;
  return dump;
}

import type { Views } from '../lib/views.js';
import { oneLine } from '../lib/text.js';
import { headerText, listIdHeader, recipientAddress } from './headers.js';
import { accentColors, FONT, MONO, PALETTE, type AccentColors } from './palette.js';

/*
 * What every email shares: the page and recipient it is for, its colours,
 * the links of its footer, its list headers, and the rendering of both parts
 * from views/email/<name>.{html,text}.eta.
 */

export interface EmailPage {
  name: string;
  /** No trailing slash. */
  baseUrl: string;
  timeZone: string;
  logoUrl: string | null;
  accentColor: string;
}

export interface EmailRecipient {
  email: string;
  /** "<subscriberId>.<secret>", URL-safe. */
  token: string;
}

export interface ComposedEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

export interface EmailContext {
  to: string;
  base: string;
  token: string;
  pageName: string;
  unsubscribeUrl: string;
  listId: string;
  colors: AccentColors;
  common: Record<string, unknown>;
}

export type EmailData = { subject: string } & Record<string, unknown>;

export function emailContext(page: EmailPage, to: EmailRecipient): EmailContext {
  const base = baseUrl(page.baseUrl);
  const token = encodeURIComponent(to.token);
  const pageName = oneLine(page.name) || 'Status';
  const colors = accentColors(page.accentColor);
  const unsubscribeUrl = `${base}/unsubscribe/${token}`;
  return {
    to: recipientAddress(to.email),
    base,
    token,
    pageName,
    unsubscribeUrl,
    listId: listIdHeader(pageName, base),
    colors,
    common: {
      page: { name: pageName, url: `${base}/`, displayUrl: displayUrl(base), logoUrl: logoUrl(page.logoUrl) },
      c: { ...PALETTE, ...colors, font: FONT, mono: MONO },
      manageUrl: `${base}/subscriptions/${token}`,
      unsubscribeUrl,
    },
  };
}

/** A subscriber email: both parts rendered, with the list headers (one-click unsubscribe). */
export function renderEmail(views: Views, name: string, ctx: EmailContext, data: EmailData): ComposedEmail {
  const subject = headerText(data.subject);
  return {
    to: ctx.to,
    subject,
    html: views.render(`email/${name}.html`, { ...data, subject }),
    text: tidyText(views.render(`email/${name}.text`, { ...data, subject })),
    headers: {
      'List-Unsubscribe': `<${ctx.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': ctx.listId,
    },
  };
}

/** A transactional email: the subscriber frame without its list headers (there is no list to leave). */
export function renderTransactionalEmail(views: Views, name: string, ctx: EmailContext, data: EmailData): ComposedEmail {
  return { ...renderEmail(views, name, ctx, data), headers: {} };
}

/** The page's address without query, fragment or trailing slash; only http(s). */
function baseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`email: the page address ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`email: the page address must be http or https, not ${url.protocol}`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function displayUrl(base: string): string {
  return base.replace(/^https?:\/\//, '');
}

/** The logo only as an https image (settings accept nothing else). */
function logoUrl(raw: string | null): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Normalizes the rendered text part: no trailing spaces, at most one blank line in a row, one final newline. */
function tidyText(text: string): string {
  return `${text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

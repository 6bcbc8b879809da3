import MarkdownIt from 'markdown-it';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import {
  COMPONENT_STATUS_LABELS,
  INCIDENT_STATUS_LABELS,
  type ComponentStatus,
} from '../domain/constants.js';
import type { Views } from '../lib/views.js';
import { memoize } from '../lib/memo.js';
import { formatterFor } from '../presenters/format.js';
import { renderMarkdown } from '../presenters/markdown.js';

/*
 * The emails subscribers get: an incident or maintenance update, the
 * confirmation of a new subscription, and "already subscribed" (sent instead
 * of a confirmation to an address that is already confirmed, so the public
 * form never tells who is subscribed).
 *
 * Pure and runtime-neutral (Node and Workers): the data is prepared here and
 * rendered by views/email/*.eta. HTML templates escape everything with
 * `<%= %>`; only the sanitized Markdown HTML goes through `<%~ %>`. Text
 * templates output with `<%~ %>` (no HTML entities in a text/plain part) and
 * receive only plain strings prepared here.
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

/** What a subscriber chose: every component, or the named components and groups. */
export interface EmailScope {
  all: boolean;
  names: string[];
}

/* ---- Palette (light; every colour set explicitly so dark-mode clients keep the contrast) ---- */

const DEFAULT_ACCENT = '#2563eb';
const FALLBACK_LINK = '#1d4ed8';
const PALETTE = {
  background: '#f4f5f7',
  card: '#ffffff',
  text: '#1f2328',
  muted: '#57606a',
  line: '#d8dee4',
  soft: '#f6f8fa',
} as const;
// Unquoted family names: the stacks land in style="" attributes as they are.
const FONT = '-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
const MONO = 'ui-monospace,SFMono-Regular,Menlo,Consolas,Liberation Mono,monospace';

const COMPONENT_STATUS_COLORS: Record<ComponentStatus, string> = {
  operational: '#1a7f37',
  degraded_performance: '#9a6700',
  partial_outage: '#c2410c',
  major_outage: '#cf222e',
  under_maintenance: '#2563eb',
};

/*
 * A fan-out renders the same update body for every recipient: keep the last
 * few renderings (pure functions of their input) instead of parsing the
 * Markdown twice per email.
 */
const MEMO_SIZE = 32;
const textOf = memoize(MEMO_SIZE, markdownToText);
/** Keyed by "<link colour>\n<body>". */
const styledHtmlOf = memoize(MEMO_SIZE, (key: string) => {
  const newline = key.indexOf('\n');
  return styleMarkdownHtml(renderMarkdown(key.slice(newline + 1)), key.slice(0, newline));
});

/* ---- The three emails ---- */

/**
 * An incident or maintenance update. `componentNames` gives the name of each
 * component that may be shown, by id, in page order: leave hidden components
 * out (the email leaves out any component it has no name for, as the page
 * does; without the map it lists no components). `scope`, when known, names
 * what the subscriber chose in the footer; otherwise the footer says why in
 * general terms.
 */
export function composeUpdateEmail(
  views: Views,
  page: EmailPage,
  to: EmailRecipient,
  incident: IncidentDetail,
  updateId: string,
  componentNames: ReadonlyMap<string, string> = new Map(),
  scope?: EmailScope,
): ComposedEmail {
  const index = incident.updates.findIndex((u) => u.id === updateId);
  const update = incident.updates[index];
  if (!update) throw new Error(`email: update ${updateId} is not part of incident ${incident.id}`);

  const ctx = context(page, to);
  const format = formatterFor(page.timeZone);
  const title = oneLine(incident.title);
  const statusLabel = INCIDENT_STATUS_LABELS[update.status];
  const maintenance = incident.kind === 'maintenance';
  const incidentUrl = `${ctx.base}/incidents/${encodeURIComponent(incident.id)}`;
  const at = format.dateTime(update.at).text;
  const window =
    maintenance && incident.scheduledFor !== null && incident.scheduledUntil !== null
      ? windowText(format, incident.scheduledFor, incident.scheduledUntil)
      : null;
  // Only the newest update of an open incident carries the promise of the next one.
  const closed = update.status === 'resolved' || update.status === 'completed';
  const nextUpdate =
    index === 0 && !closed && incident.nextUpdateAt !== null && incident.nextUpdateAt > update.at
      ? format.time(incident.nextUpdateAt).text
      : null;
  const components = componentsAfter(incident, index, componentNames).map(({ name, status }) => ({
    name,
    statusLabel: status ? COMPONENT_STATUS_LABELS[status] : null,
    color: status ? COMPONENT_STATUS_COLORS[status] : PALETTE.muted,
  }));
  const bodyText = textOf(update.body);
  const reason = scope
    ? `You subscribed to ${ctx.pageName} updates (${scope.all ? 'all components' : scope.names.map(oneLine).join(', ') || 'all components'}).`
    : `You get this email because you subscribed to ${ctx.pageName} updates.`;

  const data = {
    ...ctx.common,
    subject: `[${statusLabel}] ${title}`,
    preheader: preview(`${statusLabel}: ${bodyText.replace(/^[ \t>]*(?:(?:[-*]|\d+\.)[ \t]+)?/gm, '')}`),
    kindLabel: maintenance ? 'Maintenance' : 'Incident',
    title,
    statusLabel,
    at,
    window,
    nextUpdate,
    bodyHtml: styledHtmlOf(`${ctx.colors.link}\n${update.body}`),
    bodyText,
    components,
    incidentUrl,
    viewLabel: maintenance ? 'View the maintenance' : 'View the incident',
    reason,
    footerLinks: true,
  };
  return finish(views, 'update', ctx, data);
}

/** Asks a new subscriber to confirm; nothing else is ever sent to an unconfirmed address. */
export function composeConfirmEmail(views: Views, page: EmailPage, to: EmailRecipient, scope: EmailScope): ComposedEmail {
  const ctx = context(page, to);
  const names = scope.names.map(oneLine).filter(Boolean);
  const all = scope.all || names.length === 0;
  const data = {
    ...ctx.common,
    subject: `Confirm your subscription to ${ctx.pageName} updates`,
    preheader: `One click to start getting ${ctx.pageName} status updates by email.`,
    all,
    names,
    confirmUrl: `${ctx.base}/subscribe/confirm/${ctx.token}`,
    reason: `You get this email because this address was entered on the ${ctx.pageName} status page.`,
    footerLinks: false,
  };
  return finish(views, 'confirm', ctx, data);
}

/** Sent instead of a confirmation when a confirmed address signs up again. */
export function composeAlreadySubscribedEmail(views: Views, page: EmailPage, to: EmailRecipient): ComposedEmail {
  const ctx = context(page, to);
  const data = {
    ...ctx.common,
    subject: `You are already subscribed to ${ctx.pageName} updates`,
    preheader: `This address already gets ${ctx.pageName} status updates. Nothing has changed.`,
    reason: `You get this email because this address was entered on the ${ctx.pageName} status page.`,
    footerLinks: true,
  };
  return finish(views, 'already-subscribed', ctx, data);
}

/* ---- Password links (team members, not subscribers) ---- */

/** A one-time password link (`/admin/reset/<token>`) as an email names it. */
export interface PasswordLinkEmail {
  token: string;
  expiresAt: number;
  /** How long links live (RESET_LINK_TTL_MS), for "works once, for 24 hours". */
  validForMs: number;
}

/**
 * "Reset your password": a link the member asked for on the sign-in page
 * (`requestedBy` null), or one an owner created for them on the Team page
 * (`requestedBy` is the owner's name). Transactional: no unsubscribe headers.
 */
export function composePasswordResetEmail(
  views: Views,
  page: EmailPage,
  to: string,
  link: PasswordLinkEmail,
  requestedBy: string | null = null,
): ComposedEmail {
  const ctx = context(page, { email: to, token: '' });
  const data = {
    ...passwordLinkData(ctx, page, link),
    subject: `Reset your password for ${ctx.pageName}`,
    preheader: `A link to choose a new password for ${ctx.pageName}. It works once.`,
    requestedBy: requestedBy === null ? null : oneLine(requestedBy) || 'An owner',
    reason: `You get this email because a password link was created for ${ctx.to} on the ${ctx.pageName} status page.`,
  };
  return transactional(views, 'password-reset', ctx, data);
}

/** Welcomes a new team member with the link to choose their password. */
export function composeInviteEmail(
  views: Views,
  page: EmailPage,
  to: string,
  link: PasswordLinkEmail,
  invite: { name: string; roleLabel: string; invitedBy: string },
): ComposedEmail {
  const ctx = context(page, { email: to, token: '' });
  const data = {
    ...passwordLinkData(ctx, page, link),
    subject: `You’re invited to the ${ctx.pageName} status page`,
    preheader: `Choose your password to join the ${ctx.pageName} team.`,
    name: oneLine(invite.name),
    roleLabel: oneLine(invite.roleLabel),
    invitedBy: oneLine(invite.invitedBy) || 'An owner',
    reason: `You get this email because an owner of the ${ctx.pageName} status page added ${ctx.to} to its team.`,
  };
  return transactional(views, 'invite', ctx, data);
}

function passwordLinkData(ctx: Context, page: EmailPage, link: PasswordLinkEmail) {
  const hours = Math.max(1, Math.round(link.validForMs / 3_600_000));
  return {
    ...ctx.common,
    email: ctx.to,
    linkUrl: `${ctx.base}/admin/reset/${encodeURIComponent(link.token)}`,
    signInUrl: `${ctx.base}/admin/login`,
    expires: formatterFor(page.timeZone).dateTime(link.expiresAt).text,
    lifetime: `${hours} hour${hours === 1 ? '' : 's'}`,
    footerLinks: false,
  };
}

/** A transactional email: the subscriber frame without its list headers (there is no list to leave). */
function transactional(views: Views, name: string, ctx: Context, data: { subject: string } & Record<string, unknown>): ComposedEmail {
  return { ...finish(views, name, ctx, data), headers: {} };
}

/* ---- Shared pieces ---- */

interface Context {
  to: string;
  base: string;
  token: string;
  pageName: string;
  unsubscribeUrl: string;
  listId: string;
  colors: { accent: string; accentText: string; link: string };
  common: Record<string, unknown>;
}

function context(page: EmailPage, to: EmailRecipient): Context {
  const base = baseUrl(page.baseUrl);
  const token = encodeURIComponent(to.token);
  const pageName = oneLine(page.name) || 'Status';
  const accent = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(page.accentColor.trim())
    ? expandHex(page.accentColor.trim())
    : DEFAULT_ACCENT;
  const colors = {
    accent,
    accentText: contrast(accent, '#ffffff') >= contrast(accent, PALETTE.text) ? '#ffffff' : PALETTE.text,
    link: contrast(accent, PALETTE.card) >= 4.5 ? accent : FALLBACK_LINK,
  };
  const unsubscribeUrl = `${base}/unsubscribe/${token}`;
  return {
    to: recipient(to.email),
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

function finish(views: Views, name: string, ctx: Context, data: { subject: string } & Record<string, unknown>): ComposedEmail {
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

/** The recipient's address as is, refused when it could smuggle anything into a header. */
function recipient(email: string): string {
  const address = email.trim();
  if (!/^[^\s<>,;:"()\\\u0000-\u001f\u007f]+@[^\s<>,;:"()\\@\u0000-\u001f\u007f]+$/.test(address)) {
    throw new Error('email: invalid recipient address');
  }
  return address;
}

/* ---- Headers ---- */

/**
 * RFC 2919 List-Id: `<phrase> <updates.host>`. The identifier is stable for
 * the page's host; the phrase is the page name, made safe for a header
 * (no controls, no angle brackets; quoted, or RFC 2047-encoded when not ASCII).
 */
function listIdHeader(pageName: string, base: string): string {
  const host = new URL(base).hostname
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .replace(/\.{2,}/g, '.');
  const id = `<updates.${host || 'localhost'}>`;
  const phrase = headerPhrase(pageName.replace(/[<>]/g, ' '));
  return phrase ? `${phrase} ${id}` : id;
}

/** A display phrase (RFC 5322): atoms as they are, a quoted string, or encoded words. */
function headerPhrase(raw: string): string {
  const text = headerText(raw).slice(0, 100).trim();
  if (!text) return '';
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(text)) return text;
  if (/^[\x20-\x7e]+$/.test(text)) return `"${text.replace(/["\\]/g, '\\$&')}"`;
  return encodedWords(text);
}

/** RFC 2047 "B" encoded words of at most 75 characters, never splitting a character. */
function encodedWords(text: string): string {
  const encoder = new TextEncoder();
  const words: string[] = [];
  let chunk: number[] = [];
  const flush = () => {
    if (chunk.length) words.push(`=?UTF-8?B?${btoa(String.fromCharCode(...chunk))}?=`);
    chunk = [];
  };
  for (const char of text) {
    const bytes = encoder.encode(char);
    // 45 bytes -> 60 base64 characters + 12 of "=?UTF-8?B?" and "?=" = 72.
    if (chunk.length + bytes.length > 45) flush();
    chunk.push(...bytes);
  }
  flush();
  return words.join(' ');
}

/** One line, no control characters: safe in a header value and in a subject. */
function headerText(value: string): string {
  return oneLine(value);
}

/* ---- Text helpers ---- */

/** Collapses every kind of line break, tab and control character into single spaces. */
function oneLine(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Text for the inbox preview: one line, about 140 characters. */
function preview(value: string): string {
  const line = oneLine(value);
  return line.length > 140 ? `${line.slice(0, 139).trimEnd()}…` : line;
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

function windowText(format: ReturnType<typeof formatterFor>, from: number, until: number): string {
  const sameDay = format.date(from).text === format.date(until).text;
  return sameDay
    ? `${format.dateTime(from).text} – ${format.time(until).text}`
    : `${format.dateTime(from).text} – ${format.dateTime(until).text}`;
}

/**
 * The components the incident affects as of `index` (updates are newest
 * first), each with the status its latest change up to that update gave it
 * (none if nothing changed it yet, as for announced maintenance). A component
 * first changed by a later update joined the incident after this one and is
 * left out. In the order of `names`, which also leaves out hidden ones.
 */
function componentsAfter(
  incident: IncidentDetail,
  index: number,
  names: ReadonlyMap<string, string>,
): { name: string; status: ComponentStatus | null }[] {
  const status = new Map<string, ComponentStatus>();
  for (const update of incident.updates.slice(index)) {
    for (const change of update.componentChanges) {
      if (!status.has(change.componentId)) status.set(change.componentId, change.newStatus);
    }
  }
  const later = new Set(incident.updates.slice(0, index).flatMap((u) => u.componentChanges.map((c) => c.componentId)));
  const affected = new Set([...status.keys(), ...incident.componentIds.filter((id) => !later.has(id))]);
  const result: { name: string; status: ComponentStatus | null }[] = [];
  for (const [id, name] of names) {
    if (affected.has(id)) result.push({ name: oneLine(name), status: status.get(id) ?? null });
  }
  return result;
}

/* ---- Colours ---- */

function expandHex(hex: string): string {
  const h = hex.toLowerCase();
  return h.length === 4 ? `#${h[1]}${h[1]}${h[2]}${h[2]}${h[3]}${h[3]}` : h;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/* ---- Markdown ---- */

/**
 * Adds inline styles to the tags the sanitizing renderer emits (mail clients
 * ignore <style>). Its output escapes all text and attribute values, so a "<p>"
 * in it can only be a tag.
 */
function styleMarkdownHtml(html: string, link: string): string {
  const styles: Record<string, string> = {
    p: 'margin:0 0 12px;',
    ul: 'margin:0 0 12px;padding-left:24px;',
    ol: 'margin:0 0 12px;padding-left:24px;',
    li: 'margin:0 0 4px;',
    blockquote: `margin:0 0 12px;padding:0 0 0 12px;border-left:3px solid ${PALETTE.line};color:${PALETTE.muted};`,
    pre: `margin:0 0 12px;padding:12px;background-color:${PALETTE.soft};border-radius:6px;white-space:pre-wrap;word-break:break-word;font-family:${MONO};font-size:13px;`,
    code: `font-family:${MONO};font-size:14px;background-color:${PALETTE.soft};`,
    h1: 'margin:16px 0 8px;font-size:18px;line-height:1.3;',
    h2: 'margin:16px 0 8px;font-size:17px;line-height:1.3;',
    h3: 'margin:16px 0 8px;font-size:16px;line-height:1.3;',
    h4: 'margin:16px 0 8px;font-size:16px;line-height:1.3;',
    h5: 'margin:16px 0 8px;font-size:16px;line-height:1.3;',
    h6: 'margin:16px 0 8px;font-size:16px;line-height:1.3;',
    table: 'border-collapse:collapse;margin:0 0 12px;',
    th: `border:1px solid ${PALETTE.line};padding:4px 8px;text-align:left;`,
    td: `border:1px solid ${PALETTE.line};padding:4px 8px;`,
    hr: `border:0;border-top:1px solid ${PALETTE.line};margin:16px 0;`,
  };
  return html
    .replace(/<(p|ul|li|blockquote|pre|code|h[1-6]|table|th|td|hr)>/g, (_, tag: string) => `<${tag} style="${styles[tag]}">`)
    .replace(/<ol( start="\d+")?>/g, (_, start: string | undefined) => `<ol${start ?? ''} style="${styles.ol}">`)
    .replace(/<(th|td) style="text-align:(left|center|right)">/g, (_, tag: string, align: string) => `<${tag} style="${styles[tag]}text-align:${align};">`)
    .replace(/<a href="/g, `<a style="color:${link};text-decoration:underline;" target="_blank" href="`);
}

// Same parser settings as presenters/markdown.ts, so text and HTML agree on
// what is a link (and refuse the same unsafe ones, which stay literal text).
const textMd = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
textMd.disable('image');

type MdToken = ReturnType<typeof textMd.parse>[number];

/**
 * Markdown as readable plain text: paragraphs separated by blank lines, list
 * items as "- " or "1. ", quotes as "> ", code indented, links as
 * "text (url)" (or the URL alone when it is the text).
 */
export function markdownToText(source: string): string {
  const tokens = textMd.parse(source, {});
  const lines: string[] = [];
  const prefixes: string[] = [];
  const lists: { ordered: boolean; next: number }[] = [];
  let marker: string | null = null;
  let row: string[] | null = null;

  const prefix = () => prefixes.join('');
  const emit = (text: string) => {
    for (const line of text.split('\n')) {
      if (marker !== null) {
        lines.push(prefixes.slice(0, -1).join('') + marker + line);
        marker = null;
      } else {
        lines.push(prefix() + line);
      }
    }
  };
  const blank = () => {
    if (marker !== null) return;
    const last = lines.at(-1);
    if (last !== undefined && last.trim() !== '' && last.trim() !== '>') lines.push(prefix().trimEnd());
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token.type) {
      case 'paragraph_open':
        if (!token.hidden) blank();
        break;
      case 'heading_open':
      case 'hr':
      case 'code_block':
      case 'fence':
      case 'table_open':
      case 'blockquote_open':
        blank();
        if (token.type === 'hr') emit('----------');
        if (token.type === 'code_block' || token.type === 'fence') {
          emit(
            token.content
              .replace(/\n$/, '')
              .split('\n')
              .map((line) => `    ${line}`)
              .join('\n'),
          );
        }
        if (token.type === 'blockquote_open') prefixes.push('> ');
        break;
      case 'blockquote_close':
        prefixes.pop();
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        if (lists.length === 0) blank();
        lists.push({ ordered: token.type === 'ordered_list_open', next: Number(token.attrGet('start') ?? 1) });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        break;
      case 'list_item_open': {
        const list = lists.at(-1);
        const mark = list?.ordered ? `${list.next++}. ` : '- ';
        prefixes.push(' '.repeat(mark.length));
        marker = mark;
        break;
      }
      case 'list_item_close':
        if (marker !== null) emit('');
        prefixes.pop();
        break;
      case 'tr_open':
        row = [];
        break;
      case 'tr_close':
        if (row) emit(row.join(' | '));
        row = null;
        break;
      case 'inline': {
        const text = inlineText(token.children ?? []);
        if (row) row.push(oneLine(text));
        else emit(text);
        break;
      }
      default:
        break;
    }
  }
  return lines
    .map((line) => line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function inlineText(children: MdToken[]): string {
  let out = '';
  const links: { href: string; start: number; auto: boolean }[] = [];
  for (const child of children) {
    switch (child.type) {
      case 'text':
      case 'code_inline':
        out += child.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        out += '\n';
        break;
      case 'link_open':
        links.push({ href: String(child.attrGet('href') ?? ''), start: out.length, auto: child.markup === 'linkify' || child.markup === 'autolink' });
        break;
      case 'link_close': {
        const link = links.pop();
        if (!link) break;
        const label = out.slice(link.start).trim();
        const same = link.auto || label === link.href || `mailto:${label}` === link.href || label === decodeSafe(link.href);
        if (!same && link.href) out += label ? ` (${link.href})` : link.href;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function decodeSafe(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

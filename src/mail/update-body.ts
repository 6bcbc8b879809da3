import { memoize } from '../lib/memo.js';
import { renderMarkdown } from '../presenters/markdown.js';
import { markdownToText } from '../presenters/markdown-text.js';
import { MONO, PALETTE } from './palette.js';

/*
 * An update's Markdown body in both parts of an email. A fan-out renders the
 * same body for every recipient: keep the last few renderings (pure functions
 * of their input) instead of parsing the Markdown twice per email.
 */
const MEMO_SIZE = 32;

/** The body as plain text (presenters/markdown-text.ts). */
export const emailMarkdownText: (body: string) => string = memoize(MEMO_SIZE, markdownToText);

/** Keyed by "<link colour>\n<body>". */
const styledHtmlOf = memoize(MEMO_SIZE, (key: string) => {
  const newline = key.indexOf('\n');
  return styleMarkdownHtml(renderMarkdown(key.slice(newline + 1)), key.slice(0, newline));
});

/** An update body as the sanitized HTML of presenters/markdown.ts, styled inline for mail clients. */
export function emailMarkdownHtml(body: string, linkColor: string): string {
  return styledHtmlOf(`${linkColor}\n${body}`);
}

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

import { oneLine } from '../lib/text.js';

/*
 * Header values built from what page owners and subscribers typed: nothing
 * in them may start a new header line (CR/LF injection), and non-ASCII text
 * is RFC 2047-encoded. Pure.
 */

/** One line, no control characters: safe in a header value and in a subject. */
export function headerText(value: string): string {
  return oneLine(value);
}

/** The recipient's address as is, refused when it could smuggle anything into a header. */
export function recipientAddress(email: string): string {
  const address = email.trim();
  if (!/^[^\s<>,;:"()\\\u0000-\u001f\u007f]+@[^\s<>,;:"()\\@\u0000-\u001f\u007f]+$/.test(address)) {
    throw new Error('email: invalid recipient address');
  }
  return address;
}

/**
 * RFC 2919 List-Id: `<phrase> <updates.host>`. The identifier is stable for
 * the page's host; the phrase is the page name, made safe for a header
 * (no controls, no angle brackets; quoted, or RFC 2047-encoded when not ASCII).
 */
export function listIdHeader(pageName: string, base: string): string {
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
export function headerPhrase(raw: string): string {
  const text = headerText(raw).slice(0, 100).trim();
  if (!text) return '';
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(text)) return text;
  if (/^[\x20-\x7e]+$/.test(text)) return `"${text.replace(/["\\]/g, '\\$&')}"`;
  return encodedWords(text);
}

/** RFC 2047 "B" encoded words of at most 75 characters, never splitting a character. */
export function encodedWords(text: string): string {
  const encoder = new TextEncoder();
  const words: string[] = [];
  let chunk: number[] = [];
  const flush = (): void => {
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

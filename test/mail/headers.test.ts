// Header values built from typed text: one line, quoted or RFC 2047-encoded, never a second header.
import { describe, expect, it } from 'vitest';
import { encodedWords, headerPhrase, headerText, listIdHeader, recipientAddress } from '../../src/mail/headers.js';

function decodeWords(value: string): string {
  return value
    .split(' ')
    .map((word) => {
      const match = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(word);
      if (!match) throw new Error(`not an encoded word: ${word}`);
      return new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)));
    })
    .join('');
}

describe('headerText', () => {
  it('folds line breaks into spaces', () => {
    expect(headerText('Out\r\nage')).toBe('Out age');
  });
});

describe('headerPhrase', () => {
  it.each([
    ['Acme Cloud', 'Acme Cloud'],
    ['Acme, Inc.', '"Acme, Inc."'],
    ['<>', '"<>"'],
    ['', ''],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['Störungsmelder Ω', '=?UTF-8?B?U3TDtnJ1bmdzbWVsZGVyIM6p?='],
    ['x'.repeat(120), 'x'.repeat(100)],
  ])('writes %j as %j', (raw, expected) => {
    expect(headerPhrase(raw)).toBe(expected);
  });
});

describe('encodedWords', () => {
  it.each([
    [
      'Überwachung '.repeat(8),
      '=?UTF-8?B?w5xiZXJ3YWNodW5nIMOcYmVyd2FjaHVuZyDDnGJlcndhY2h1bmcgw5xiZXJ3?= =?UTF-8?B?YWNodW5nIMOcYmVyd2FjaHVuZyDDnGJlcndhY2h1bmcgw5xiZXJ3YWNodW5n?= =?UTF-8?B?IMOcYmVyd2FjaHVuZyA=?=',
    ],
    // Three-byte characters: 15 fit in 45 bytes, the 16th starts a new word.
    ['€'.repeat(16), '=?UTF-8?B?4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs4oKs?= =?UTF-8?B?4oKs?='],
  ])('encodes %j in words of at most 75 characters', (text, expected) => {
    const encoded = encodedWords(text);
    expect(encoded).toBe(expected);
    for (const word of encoded.split(' ')) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeWords(encoded)).toBe(text);
  });
});

describe('listIdHeader', () => {
  it.each([
    ['Test Cloud', 'https://status.example.com', 'Test Cloud <updates.status.example.com>'],
    ['Acme', 'http://localhost:3000', 'Acme <updates.localhost>'],
    ['R&D <ops>', 'https://Ex_ample..COM/x', 'R&D ops <updates.ex-ample.com>'],
    ['<>', 'https://status.example.com', '<updates.status.example.com>'],
    ['Evil\r\nBcc: x@y <a>"', 'https://status.example.com', '"Evil Bcc: x@y a \\"" <updates.status.example.com>'],
  ])('for %j at %s is %j', (name, base, expected) => {
    expect(listIdHeader(name, base)).toBe(expected);
  });
});

describe('recipientAddress', () => {
  it.each([
    [' a@example.org ', 'a@example.org'],
    ['a@b', 'a@b'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(recipientAddress(raw)).toBe(expected);
  });

  it.each(['a@example.org\r\nBcc: x@y', 'a b@c', '"a"@b', 'a@b,c@d', 'no-at-sign', '<a@b>'])('refuses %j', (raw) => {
    expect(() => recipientAddress(raw)).toThrow(/invalid recipient/);
  });
});

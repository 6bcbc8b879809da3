import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/lib/text.js';

describe('oneLine', () => {
  it.each([
    ['a\r\nb', 'a b'],
    ['  x\ty  ', 'x y'],
    ['\u2028a\u0085b\u0000c', 'a b c'],
    ['Evil\r\nBcc: x@y', 'Evil Bcc: x@y'],
    ['ok', 'ok'],
    ['\r\n', ''],
  ])('makes %j into %j', (value, expected) => {
    expect(oneLine(value)).toBe(expected);
  });
});

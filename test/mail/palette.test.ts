// The accent colour a page owner picks, and the colours the emails derive from it to stay readable.
import { describe, expect, it } from 'vitest';
import { accentColors } from '../../src/mail/palette.js';

describe('accentColors', () => {
  it.each([
    ['#7c3aed', { accent: '#7c3aed', accentText: '#ffffff', link: '#7c3aed' }],
    ['#FF0', { accent: '#ffff00', accentText: '#1f2328', link: '#1d4ed8' }],
    ['red;background:url(https://evil.example/x)', { accent: '#2563eb', accentText: '#ffffff', link: '#2563eb' }],
    ['#ffffff', { accent: '#ffffff', accentText: '#1f2328', link: '#1d4ed8' }],
    // 4.48:1 on white: too faint for link text, fine under white button text.
    ['#777', { accent: '#777777', accentText: '#ffffff', link: '#1d4ed8' }],
    ['#767676', { accent: '#767676', accentText: '#ffffff', link: '#767676' }],
  ])('for %j are %j', (raw, expected) => {
    expect(accentColors(raw)).toEqual(expected);
  });
});

// WCAG contrast maths over fixed colours (the emails' button and link colours rest on it).
import { describe, expect, it } from 'vitest';
import { contrast, expandHex, luminance, parseHexColour } from '../../src/lib/colour.js';

describe('parseHexColour', () => {
  it.each([
    ['#fff', '#ffffff'],
    [' #FF0 ', '#ffff00'],
    ['#2563EB', '#2563eb'],
    ['red', null],
    ['#12345', null],
    ['#ggg', null],
    ['2563eb', null],
    ['', null],
    ['red;background:url(https://evil.example/x)', null],
  ])('reads %j as %j', (raw, expected) => {
    expect(parseHexColour(raw)).toBe(expected);
  });
});

describe('expandHex', () => {
  it.each([
    ['#abc', '#aabbcc'],
    ['#ABCDEF', '#abcdef'],
    ['#aabbcc', '#aabbcc'],
  ])('writes %j as %j', (hex, expected) => {
    expect(expandHex(hex)).toBe(expected);
  });
});

describe('luminance', () => {
  it.each([
    ['#000000', 0],
    ['#ffffff', 1],
    ['#ff0000', 0.2126],
    ['#2563eb', 0.15315153582201535],
    ['#808080', 0.2158605001138992],
  ])('of %s is %d', (hex, expected) => {
    expect(luminance(hex)).toBeCloseTo(expected, 12);
  });
});

describe('contrast', () => {
  it.each([
    ['#000000', '#ffffff', 21],
    ['#ffffff', '#000000', 21],
    ['#2563eb', '#ffffff', 5.168555560022562],
    ['#ffff00', '#1f2328', 14.711345022943105],
    ['#777777', '#ffffff', 4.478089453577214],
    ['#123456', '#123456', 1],
  ])('of %s and %s is %d', (a, b, expected) => {
    expect(contrast(a, b)).toBeCloseTo(expected, 12);
  });
});

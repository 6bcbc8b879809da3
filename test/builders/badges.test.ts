import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { faviconSvg } from '../../src/badges/favicon.js';
import { shieldsEndpoint, statusBadge, uptimeBadge } from '../../src/badges/status-badge.js';
import { BADGE_STYLES, badgeSvg, type Badge } from '../../src/badges/svg.js';
import { textWidth } from '../../src/badges/text-width.js';
import { COMPONENT_STATUSES } from '../../src/domain/constants.js';

/* The badge and icon builders on their own: the words, colours and SVG each status and uptime gives. */

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
type Node = Record<string, unknown>;
const svgOf = (text: string): Node => (parser.parse(text) as { svg: Node }).svg;

describe('statusBadge: message and colour per status', () => {
  it.each([
    ['operational', 'operational', '#4c1'],
    ['degraded_performance', 'degraded performance', '#dfb317'],
    ['partial_outage', 'partial outage', '#fe7d37'],
    ['major_outage', 'major outage', '#e05d44'],
    ['under_maintenance', 'under maintenance', '#007ec6'],
  ] as const)('%s', (status, message, color) => {
    expect(statusBadge('API', status)).toEqual({ label: 'API', message, color });
  });

  it('covers every status there is', () => {
    for (const status of COMPONENT_STATUSES) expect(statusBadge('x', status).message).not.toBe('');
  });
});

describe('uptimeBadge: colour by threshold, "no data" without tracking', () => {
  it.each([
    [1, '100%', '#4c1'],
    [0.999, '99.9%', '#4c1'],
    [0.9989, '99.89%', '#97ca00'],
    [0.99, '99%', '#97ca00'],
    [0.9899, '98.99%', '#dfb317'],
    [0.95, '95%', '#dfb317'],
    [0.9499, '94.99%', '#e05d44'],
    [0, '0%', '#e05d44'],
  ])('%d -> %s in %s', (ratio, formatted, color) => {
    expect(uptimeBadge('API uptime 30d', ratio, formatted)).toEqual({ label: 'API uptime 30d', message: formatted, color });
  });

  it.each([
    [null, null],
    [0.5, null],
    [null, '50%'],
  ])('no data when ratio %j or text %j is missing', (ratio, formatted) => {
    expect(uptimeBadge('API', ratio, formatted)).toEqual({ label: 'API', message: 'no data', color: '#9f9f9f' });
  });
});

describe('shieldsEndpoint: the shields.io endpoint schema', () => {
  it('keeps label and message, drops the # of the colour, adds schemaVersion 1 and nothing else', () => {
    expect(shieldsEndpoint({ label: 'API', message: 'major outage', color: '#e05d44' })).toEqual({
      schemaVersion: 1,
      label: 'API',
      message: 'major outage',
      color: 'e05d44',
    });
  });
});

describe('badgeSvg', () => {
  const badge: Badge = { label: 'API', message: 'operational', color: '#4c1' };

  it.each(BADGE_STYLES)('%s: an SVG whose width is the two boxes, with an accessible name and title', (style) => {
    const svg = svgOf(badgeSvg(badge, style));
    const big = style === 'for-the-badge';
    expect(svg.height).toBe(big ? '28' : '20');
    expect(svg.role).toBe('img');
    const name = big ? 'API: OPERATIONAL' : 'API: operational';
    expect(svg['aria-label']).toBe(name);
    expect(svg.title).toBe(name);
    const g = svg.g as Node[];
    const rects = [g[0]!.rect].flat() as Node[];
    const [labelBox, messageBox] = rects;
    expect(Number(labelBox!.width) + Number(messageBox!.width)).toBe(Number(svg.width));
    expect(labelBox!.fill).toBe('#555');
    expect(messageBox!.fill).toBe('#4c1');
    // Flat has the gradient and the shadow text; the square styles have neither.
    expect(badgeSvg(badge, style).includes('linearGradient')).toBe(style === 'flat');
  });

  it('grows with its text, and drops the label box when the label is empty', () => {
    const short = Number(svgOf(badgeSvg({ ...badge, label: 'API' }, 'flat')).width);
    const long = Number(svgOf(badgeSvg({ ...badge, label: 'Payments API in Europe' }, 'flat')).width);
    expect(long).toBeGreaterThan(short);
    const bare = badgeSvg({ ...badge, label: '' }, 'flat-square');
    expect(svgOf(bare).width).toBe(String(textWidth('operational') + 12));
    expect(svgOf(bare)['aria-label']).toBe('operational');
    expect(bare).not.toContain('fill="#555"');
  });

  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    [`"quoted" 'single'`, '&quot;quoted&quot; &apos;single&apos;'],
    ['bell\u0007 gone', 'bell gone'],
  ])('escapes the label %j in text and attributes, so the SVG stays well-formed', (label, escaped) => {
    const text = badgeSvg({ ...badge, label }, 'flat');
    expect(text).toContain(`aria-label="${escaped}: operational"`);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('\u0007');
    expect(() => parser.parse(text)).not.toThrow();
  });

  it('measures wide scripts wider than Latin text of the same length', () => {
    expect(textWidth('状态页面')).toBeGreaterThan(textWidth('abcd'));
    expect(textWidth('MMMM')).toBeGreaterThan(textWidth('iiii'));
    expect(textWidth('API', { bold: true })).toBeGreaterThan(textWidth('API'));
    expect(textWidth('API', { size: 22 })).toBeGreaterThanOrEqual(2 * textWidth('API') - 1);
  });
});

describe('faviconSvg: a dot in the status colour, brighter in dark mode', () => {
  it.each([
    ['operational', '#1a7f37', '#3fb950'],
    ['major_outage', '#cf222e', '#f85149'],
    ['under_maintenance', '#2563eb', '#58a6ff'],
  ] as const)('%s', (status, light, dark) => {
    const text = faviconSvg(status);
    expect(text).toContain(`circle{fill:${light}}`);
    expect(text).toContain(`@media (prefers-color-scheme:dark){circle{fill:${dark}}}`);
    expect(svgOf(text).viewBox).toBe('0 0 32 32');
  });

  it('gives each status its own colour', () => {
    expect(new Set(COMPONENT_STATUSES.map(faviconSvg)).size).toBe(COMPONENT_STATUSES.length);
  });
});

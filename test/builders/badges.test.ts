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

describe('textWidth: exact widths from the Verdana metrics table', () => {
  /*
   * Per character (px at 11px): narrow il.,:;'|!` 3.6; semi fjrtI()[]{} -/\" 4.6;
   * wide mwMW%@ 10.6; wide capitals ABCDGHKNOQRUVXY& 8.2; other capitals 7.4;
   * digits 7; code points above U+2E7F 11; anything else 6.6. The sum is scaled
   * by size/11 and 1.08 when bold, then rounded up. Expected values are worked
   * out by hand from that table, not by calling textWidth.
   */
  it.each([
    { text: '', options: {}, width: 0, sum: '0' },
    { text: 'API', options: {}, width: 21, sum: 'A 8.2 + P 7.4 + I 4.6 = 20.2' },
    { text: 'operational', options: {}, width: 63, sum: '7 × 6.6 (o p e a o n a) + 2 × 4.6 (r t) + 2 × 3.6 (i l) = 62.6' },
    { text: '00', options: {}, width: 14, sum: '2 × 7 = 14 exactly: no rounding up past a whole number' },
    { text: '99.9%', options: {}, width: 36, sum: '3 × 7 + . 3.6 + % 10.6 = 35.2' },
    { text: 'Wi-Fi', options: {}, width: 30, sum: 'W 10.6 + i 3.6 + - 4.6 + F 7.4 + i 3.6 = 29.8' },
    { text: 'R&D', options: {}, width: 25, sum: 'R 8.2 + & 8.2 + D 8.2 = 24.6' },
    { text: '状态', options: {}, width: 22, sum: '2 × 11 = 22' },
    { text: 'API', options: { bold: true }, width: 22, sum: '20.2 × 1.08 = 21.816' },
    { text: 'API', options: { size: 22 }, width: 41, sum: '20.2 × 2 = 40.4' },
    { text: 'API', options: { size: 10 }, width: 19, sum: '20.2 × 10/11 = 18.36' },
    { text: 'OPERATIONAL', options: { size: 10, bold: true }, width: 82, sum: '(6 × 8.2 + 4 × 7.4 + 4.6 = 83.4) × 10/11 × 1.08 = 81.88' },
  ])('$text $options -> $width ($sum)', ({ text, options, width }) => {
    expect(textWidth(text, options)).toBe(width);
  });
});

describe('badgeSvg: exact box widths per style', () => {
  const badge: Badge = { label: 'API', message: 'operational', color: '#4c1' };
  const boxes = (text: string): { total: number; label: number; message: number; x: number } => {
    const svg = svgOf(text);
    const rects = [(svg.g as Node[])[0]!.rect].flat() as Node[];
    return { total: Number(svg.width), label: Number(rects[0]!.width), message: Number(rects[1]!.width), x: Number(rects[1]!.x) };
  };

  it.each([
    // flat and flat-square: 11px, 6px padding each side of each text.
    // label 'API' 21 + 2 × 6 = 33; message 'operational' 63 + 2 × 6 = 75; 108 in all.
    { style: 'flat', label: 33, message: 75, height: '20' },
    { style: 'flat-square', label: 33, message: 75, height: '20' },
    // for-the-badge: upper case, 10px, 12px padding each side, letter-spacing 1.25
    // adding ceil(1.25 × characters): label 'API' 19 + ceil(3.75) 4 + 24 = 47;
    // message 'OPERATIONAL' in bold 82 + ceil(13.75) 14 + 24 = 120; 167 in all.
    { style: 'for-the-badge', label: 47, message: 120, height: '28' },
  ] as const)('$style: label $label + message $message', ({ style, label, message, height }) => {
    const text = badgeSvg(badge, style);
    expect(boxes(text)).toEqual({ total: label + message, label, message, x: label });
    expect(svgOf(text).height).toBe(height);
    expect(text).toContain(`<clipPath id="r"><rect width="${label + message}" height="${height}" rx="${style === 'flat' ? 3 : 0}" fill="#fff"/>`);
    // Each text is centred in its box.
    expect(text).toContain(`<text x="${label / 2}" y="${style === 'for-the-badge' ? 18 : 14}" fill="#fff" text-anchor="middle"`);
    expect(text).toContain(`<text x="${label + message / 2}" y="${style === 'for-the-badge' ? 18 : 14}" fill="#fff" text-anchor="middle"`);
  });

  it('for-the-badge upper-cases label and message, in the text, the title and the aria-label; the other styles keep the case', () => {
    const mixed: Badge = { label: 'Api gateway', message: 'Partial outage', color: '#fe7d37' };
    const big = badgeSvg(mixed, 'for-the-badge');
    expect(big).toContain('aria-label="API GATEWAY: PARTIAL OUTAGE"');
    expect(big).toContain('<title>API GATEWAY: PARTIAL OUTAGE</title>');
    expect(big).toContain('>API GATEWAY</text>');
    expect(big).toContain(' font-weight="bold">PARTIAL OUTAGE</text>');
    expect(big).toContain('font-size="10" letter-spacing="1.25"');
    expect(big).not.toMatch(/Api gateway|Partial outage/);
    for (const style of ['flat', 'flat-square'] as const) {
      const small = badgeSvg(mixed, style);
      expect(small).toContain('aria-label="Api gateway: Partial outage"');
      expect(small).toContain('>Partial outage</text>');
      expect(small).toContain('font-size="11">');
      expect(small).not.toContain('letter-spacing');
      expect(small).not.toContain('font-weight');
    }
  });

  it('without a label: the message box alone, padded on both sides', () => {
    // 'operational' 63 + 2 × 6 = 75 (flat); 'OPERATIONAL' bold 82 + 14 + 2 × 12 = 120 (for-the-badge).
    expect(svgOf(badgeSvg({ ...badge, label: '' }, 'flat')).width).toBe('75');
    expect(svgOf(badgeSvg({ ...badge, label: '' }, 'for-the-badge')).width).toBe('120');
  });
});

describe('faviconSvg: a dot in the status colour, brighter in dark mode', () => {
  it.each([
    ['operational', '#1a7f37', '#3fb950'],
    ['degraded_performance', '#9a6700', '#d29922'],
    ['partial_outage', '#c2410c', '#f0883e'],
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

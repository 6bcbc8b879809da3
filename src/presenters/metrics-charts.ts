import type { Severity } from '../domain/constants.js';
import { xmlEscape as escapeHtml } from '../lib/xml.js';

/*
 * Server-rendered SVG charts for /admin/metrics: no JavaScript, sized by
 * their viewBox so they shrink on a phone, role="img" with a <title> and
 * <desc>; the page puts a table with the same numbers beside each one.
 * Pure: the same numbers give the same bytes.
 */

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { top: 16, right: 12, bottom: 36, left: 44 };

/** Severity colours, darkest for SEV-1; each has a text label in the legend, so colour is never the only cue. */
export const SEVERITY_COLOURS: Record<Severity, string> = { 1: '#b91c1c', 2: '#ea580c', 3: '#ca8a04', 4: '#64748b' };

function frame(id: string, title: string, desc: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" class="chart">` +
    `<title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(desc)}</desc>${body}</svg>`
  );
}

/** A round axis maximum (1, 2, 5 x 10^n) at or above the largest value. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value)!;
}

function axes(max: number, format: (v: number) => string, months: readonly string[], x: (i: number) => number): string {
  const plotBottom = HEIGHT - PAD.bottom;
  const parts: string[] = [];
  for (const fraction of [0, 0.5, 1]) {
    const y = plotBottom - fraction * (plotBottom - PAD.top);
    parts.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" stroke="#cbd5e1" stroke-width="1"/>`);
    parts.push(`<text x="${PAD.left - 4}" y="${y + 4}" text-anchor="end" font-size="11" fill="#475569">${escapeHtml(format(max * fraction))}</text>`);
  }
  // At most about 12 month labels, so a year stays readable.
  const step = Math.max(1, Math.ceil(months.length / 12));
  months.forEach((month, i) => {
    if (i % step === 0) parts.push(`<text x="${x(i)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#475569">${escapeHtml(month)}</text>`);
  });
  return parts.join('');
}

export interface MonthCounts {
  month: string;
  total: number;
  bySeverity: Record<Severity, number>;
}

/** Incidents per month, one bar a month stacked by severity (SEV-1 at the bottom). */
export function incidentsPerMonthSvg(rows: readonly MonthCounts[], id = 'per-month'): string {
  const max = niceMax(Math.max(0, ...rows.map((r) => r.total)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, rows.length);
  const barWidth = Math.max(2, Math.min(48, slot * 0.7));
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const bars: string[] = [];
  rows.forEach((row, i) => {
    let y = HEIGHT - PAD.bottom;
    for (const severity of [1, 2, 3, 4] as const) {
      const count = row.bySeverity[severity];
      if (!count) continue;
      const h = (count / max) * plotHeight;
      y -= h;
      bars.push(
        `<rect x="${(x(i) - barWidth / 2).toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${SEVERITY_COLOURS[severity]}"><title>${escapeHtml(`${row.month}: ${count} SEV-${severity}`)}</title></rect>`,
      );
    }
  });
  const total = rows.reduce((sum, r) => sum + r.total, 0);
  const desc = `${total} incidents from ${rows[0]?.month ?? ''} to ${rows.at(-1)?.month ?? ''}: ${rows.map((r) => `${r.month} ${r.total}`).join(', ')}.`;
  return frame(id, 'Incidents per month, by severity', desc, axes(max, (v) => String(Math.round(v)), rows.map((r) => r.month), x) + bars.join(''));
}

export interface TrendPoint {
  month: string;
  /** A median in ms; null when no incident of that month has the times. */
  value: number | null;
}

/** A median by month as a line with dots; months without a figure leave a gap, not a zero. */
export function trendSvg(points: readonly TrendPoint[], options: { id: string; title: string; format: (ms: number) => string }): string {
  const max = niceMax(Math.max(0, ...points.map((p) => p.value ?? 0)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, points.length);
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const y = (v: number) => HEIGHT - PAD.bottom - (v / max) * plotHeight;
  const segments: string[][] = [[]];
  const dots: string[] = [];
  points.forEach((p, i) => {
    if (p.value === null) {
      segments.push([]);
      return;
    }
    segments.at(-1)!.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
    dots.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4" fill="#1d4ed8"><title>${escapeHtml(`${p.month}: ${options.format(p.value)}`)}</title></circle>`);
  });
  const lines = segments
    .filter((s) => s.length > 1)
    .map((s) => `<polyline points="${s.join(' ')}" fill="none" stroke="#1d4ed8" stroke-width="2"/>`)
    .join('');
  const desc = points.map((p) => `${p.month}: ${p.value === null ? 'no figure' : options.format(p.value)}`).join(', ');
  return frame(options.id, options.title, desc, axes(max, options.format, points.map((p) => p.month), x) + lines + dots.join(''));
}

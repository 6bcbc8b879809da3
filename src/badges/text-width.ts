/*
 * Approximate advance widths of Verdana at 11px (what shields.io badges use),
 * in px, by character class. Exact metrics would need a font file; this is
 * close enough that text never overflows its box (we round up and pad).
 */
const NARROW = new Set("il.,:;'|!`");
const SEMI = new Set('fjrtI()[]{} -/\\"');
const WIDE = new Set('mwMW%@');
const CAPS_WIDE = new Set('ABCDGHKNOQRUVXY&');

export function textWidth(text: string, options: { bold?: boolean; size?: number } = {}): number {
  const scale = (options.size ?? 11) / 11;
  let width = 0;
  for (const ch of text) {
    if (NARROW.has(ch)) width += 3.6;
    else if (SEMI.has(ch)) width += 4.6;
    else if (WIDE.has(ch)) width += 10.6;
    else if (CAPS_WIDE.has(ch)) width += 8.2;
    else if (ch >= 'A' && ch <= 'Z') width += 7.4;
    else if (ch >= '0' && ch <= '9') width += 7;
    else if (ch.charCodeAt(0) > 0x2e7f) width += 11; // CJK and other wide scripts
    else width += 6.6;
  }
  return Math.ceil(width * scale * (options.bold ? 1.08 : 1));
}

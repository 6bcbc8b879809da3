/*
 * Colour contrast maths (WCAG 2), pure: the emails pick readable text and
 * link colours for whatever accent colour the page is given.
 */

const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** "#abc" or "#aabbcc" (any case), lower-cased as "#aabbcc"; null for anything else. */
export function parseHexColour(raw: string): string | null {
  const value = raw.trim();
  return HEX_COLOUR.test(value) ? expandHex(value) : null;
}

/** "#abc" as "#aabbcc", lower-cased; six-digit values only lower-cased. */
export function expandHex(hex: string): string {
  const h = hex.toLowerCase();
  return h.length === 4 ? `#${h[1]}${h[1]}${h[2]}${h[2]}${h[3]}${h[3]}` : h;
}

/** Relative luminance of a "#rrggbb" colour, 0 (black) to 1 (white). */
export function luminance(hex: string): number {
  const channel = (i: number): number => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The contrast ratio of two "#rrggbb" colours, 1 to 21, in either order. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

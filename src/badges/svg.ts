import { stripInvalidXmlChars, xmlEscape } from '../lib/xml.js';
import { textWidth } from './text-width.js';

export const BADGE_STYLES = ['flat', 'flat-square', 'for-the-badge'] as const;
export type BadgeStyle = (typeof BADGE_STYLES)[number];

export interface Badge {
  label: string;
  message: string;
  /** A hex colour such as #4c1. */
  color: string;
}

const LABEL_COLOR = '#555';

/**
 * A shields.io-style badge as a standalone SVG document: label on grey,
 * message on the status colour, with role="img", an aria-label and a <title>
 * so screen readers and tooltips say what it shows.
 */
export function badgeSvg(badge: Badge, style: BadgeStyle): string {
  const big = style === 'for-the-badge';
  const label = stripInvalidXmlChars(big ? badge.label.toUpperCase() : badge.label);
  const message = stripInvalidXmlChars(big ? badge.message.toUpperCase() : badge.message);
  const height = big ? 28 : 20;
  const pad = big ? 12 : 6;
  const fontSize = big ? 10 : 11;
  const letterSpacing = big ? 1.25 : 0;
  const measure = (text: string, bold: boolean): number =>
    textWidth(text, { size: fontSize, bold }) + Math.ceil(letterSpacing * [...text].length);
  const labelWidth = label ? measure(label, false) + pad * 2 : 0;
  const messageWidth = measure(message, big) + pad * 2;
  const width = labelWidth + messageWidth;
  const title = xmlEscape(label ? `${label}: ${message}` : message);
  const radius = style === 'flat' ? 3 : 0;
  const textY = big ? 18 : 14;
  const spacing = letterSpacing ? ` letter-spacing="${letterSpacing}"` : '';
  const text = (value: string, x: number, bold: boolean): string =>
    (style === 'flat'
      ? `<text x="${x}" y="${textY + 1}" fill="#010101" fill-opacity=".3" text-anchor="middle">${xmlEscape(value)}</text>`
      : '') +
    `<text x="${x}" y="${textY}" fill="#fff" text-anchor="middle"${bold ? ' font-weight="bold"' : ''}>${xmlEscape(value)}</text>`;

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${title}">` +
    `<title>${title}</title>` +
    (style === 'flat'
      ? `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`
      : '') +
    `<clipPath id="r"><rect width="${width}" height="${height}" rx="${radius}" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)">` +
    (labelWidth ? `<rect width="${labelWidth}" height="${height}" fill="${LABEL_COLOR}"/>` : '') +
    `<rect x="${labelWidth}" width="${messageWidth}" height="${height}" fill="${badge.color}"/>` +
    (style === 'flat' ? `<rect width="${width}" height="${height}" fill="url(#s)"/>` : '') +
    `</g>` +
    `<g font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="${fontSize}"${spacing}>` +
    (labelWidth ? text(label, labelWidth / 2, false) : '') +
    text(message, labelWidth + messageWidth / 2, big) +
    `</g></svg>`
  );
}

import type { ComponentStatus } from '../domain/constants.js';
import { contrast, parseHexColour } from '../lib/colour.js';

/*
 * The emails' colours and fonts (light; every colour set explicitly so
 * dark-mode clients keep the contrast).
 */

const DEFAULT_ACCENT = '#2563eb';
const FALLBACK_LINK = '#1d4ed8';

export const PALETTE = {
  background: '#f4f5f7',
  card: '#ffffff',
  text: '#1f2328',
  muted: '#57606a',
  line: '#d8dee4',
  soft: '#f6f8fa',
} as const;

// Unquoted family names: the stacks land in style="" attributes as they are.
export const FONT = '-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
export const MONO = 'ui-monospace,SFMono-Regular,Menlo,Consolas,Liberation Mono,monospace';

export const COMPONENT_STATUS_COLORS: Record<ComponentStatus, string> = {
  operational: '#1a7f37',
  degraded_performance: '#9a6700',
  partial_outage: '#c2410c',
  major_outage: '#cf222e',
  under_maintenance: '#2563eb',
};

export interface AccentColors {
  accent: string;
  /** White or the text colour, whichever reads better on the accent (the button label). */
  accentText: string;
  /** The accent when it is readable as link text on the card (4.5:1), a darker blue otherwise. */
  link: string;
}

/** The page's accent colour (a hex colour, else the default) and the colours that must stay readable with it. */
export function accentColors(raw: string): AccentColors {
  const accent = parseHexColour(raw) ?? DEFAULT_ACCENT;
  return {
    accent,
    accentText: contrast(accent, '#ffffff') >= contrast(accent, PALETTE.text) ? '#ffffff' : PALETTE.text,
    link: contrast(accent, PALETTE.card) >= 4.5 ? accent : FALLBACK_LINK,
  };
}

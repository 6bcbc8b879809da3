import type { ComponentStatus } from '../domain/constants.js';

/** The status page's own colours (views/layout.eta), light and dark. */
const COLORS: Record<ComponentStatus, { light: string; dark: string }> = {
  operational: { light: '#1a7f37', dark: '#3fb950' },
  degraded_performance: { light: '#9a6700', dark: '#d29922' },
  partial_outage: { light: '#c2410c', dark: '#f0883e' },
  major_outage: { light: '#cf222e', dark: '#f85149' },
  under_maintenance: { light: '#2563eb', dark: '#58a6ff' },
};

/**
 * The page's icon: a dot in the colour of the overall status, so a pinned tab
 * shows an outage at a glance (the brighter dark-scheme colour where the
 * browser uses a dark theme).
 */
export function faviconSvg(status: ComponentStatus): string {
  const { light, dark } = COLORS[status];
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    `<style>circle{fill:${light}}@media (prefers-color-scheme:dark){circle{fill:${dark}}}</style>` +
    '<circle cx="16" cy="16" r="14"/></svg>'
  );
}

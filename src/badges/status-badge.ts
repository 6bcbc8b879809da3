import type { ComponentStatus } from '../domain/constants.js';
import type { Badge } from './svg.js';

const STATUS_BADGES: Record<ComponentStatus, { message: string; color: string }> = {
  operational: { message: 'operational', color: '#4c1' },
  degraded_performance: { message: 'degraded performance', color: '#dfb317' },
  partial_outage: { message: 'partial outage', color: '#fe7d37' },
  major_outage: { message: 'major outage', color: '#e05d44' },
  under_maintenance: { message: 'under maintenance', color: '#007ec6' },
};

export function statusBadge(label: string, status: ComponentStatus): Badge {
  return { label, ...STATUS_BADGES[status] };
}

/** Uptime colours: green only for what most SLAs call good. */
export function uptimeBadge(label: string, ratio: number | null, formatted: string | null): Badge {
  if (ratio === null || formatted === null) return { label, message: 'no data', color: '#9f9f9f' };
  const color = ratio >= 0.999 ? '#4c1' : ratio >= 0.99 ? '#97ca00' : ratio >= 0.95 ? '#dfb317' : '#e05d44';
  return { label, message: formatted, color };
}

/** The shields.io endpoint schema, and nothing more. */
export function shieldsEndpoint(badge: Badge): { schemaVersion: 1; label: string; message: string; color: string } {
  return { schemaVersion: 1, label: badge.label, message: badge.message, color: badge.color.replace(/^#/, '') };
}

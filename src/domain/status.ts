import type { ComponentStatus, Impact } from './constants.js';

/**
 * How bad a status is for customers. Maintenance is planned and announced, so
 * it ranks above "operational" but below any unplanned impact.
 */
const STATUS_RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function statusRank(status: ComponentStatus): number {
  return STATUS_RANK[status];
}

/** The worse of two statuses. */
export function worseStatus(a: ComponentStatus, b: ComponentStatus): ComponentStatus {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

/** Worst status of a list; operational for an empty list. */
export function worstStatus(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const status of statuses) worst = worseStatus(worst, status);
  return worst;
}

export interface OverallStatus {
  status: ComponentStatus;
  /** Statuspage `status.indicator`. */
  indicator: 'none' | 'minor' | 'major' | 'critical' | 'maintenance';
  /** The banner text. */
  description: string;
}

const OVERALL: Record<ComponentStatus, OverallStatus> = {
  operational: { status: 'operational', indicator: 'none', description: 'All systems operational' },
  under_maintenance: {
    status: 'under_maintenance',
    indicator: 'maintenance',
    description: 'Service under maintenance',
  },
  degraded_performance: {
    status: 'degraded_performance',
    indicator: 'minor',
    description: 'Degraded performance',
  },
  partial_outage: { status: 'partial_outage', indicator: 'major', description: 'Partial system outage' },
  major_outage: { status: 'major_outage', indicator: 'critical', description: 'Major system outage' },
};

/** The page banner: worst component status wins. */
export function overallStatus(statuses: Iterable<ComponentStatus>): OverallStatus {
  return OVERALL[worstStatus(statuses)];
}

/** The customer impact an incident implies from the worst status it set. */
export function impactFromStatus(status: ComponentStatus): Impact {
  switch (status) {
    case 'major_outage':
      return 'critical';
    case 'partial_outage':
      return 'major';
    case 'degraded_performance':
      return 'minor';
    case 'under_maintenance':
      return 'maintenance';
    case 'operational':
      return 'none';
  }
}

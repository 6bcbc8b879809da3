import { addDays, DAY, lastDays, localDate, MINUTE, startOfLocalDate } from '../domain/calendar.js';
import { COMPONENT_STATUS_LABELS, type ComponentStatus } from '../domain/constants.js';
import { overallStatus, worstStatus } from '../domain/status.js';
import { dailySummaries, DOWNTIME_WEIGHT, uptime, type DaySummary } from '../domain/uptime.js';
import type { ComponentRow } from '../db/schema.js';
import { HISTORY_DAYS, RECENT_DAYS, type StatusPageData } from '../services/public/status-page.js';
import { formatDuration, formatPercent, formatterFor, type TimeView } from './format.js';
import { presentIncident, type IncidentView } from './incident.js';
import { presentPage, type PageView } from './page.js';

export interface DayCellView {
  /** CSS status class, or 'none' when there is no data. */
  status: ComponentStatus | 'none';
  /** Accessible description of the day. */
  label: string;
  /**
   * Tooltip of the bar cell: the label of a day that had something to report.
   * Plain days get none (their colour says it all): with 1,800 cells on a busy
   * page, "26 Aug 2026: no downtime" on every one was 80% of the page.
   */
  title: string | null;
}

export interface ComponentView {
  id: string;
  name: string;
  description: string | null;
  status: ComponentStatus;
  statusLabel: string;
  /** "99.95%", or null when there is no data yet. */
  uptime: string | null;
  days: DayCellView[];
  /** Text alternative of the bar: the days that were not fine. */
  historySummary: string;
}

export interface GroupView {
  name: string | null;
  description: string | null;
  status: ComponentStatus;
  statusLabel: string;
  components: ComponentView[];
}

export interface StatusPageView {
  page: PageView;
  title: string;
  banner: { status: ComponentStatus; description: string };
  exampleContent: boolean;
  activeIncidents: IncidentView[];
  maintenance: IncidentView[];
  sections: GroupView[];
  historyDays: number;
  downtimeWeights: { partial: string; major: string; degraded: string };
  pastDays: { date: TimeView; incidents: IncidentView[] }[];
}

export interface Presented<T> {
  view: T;
  /** When the clock alone changes what this view shows. */
  validUntil: number;
}

/** Re-render at least this often while anything time-based is on the page. */
const MAX_RENDER_AGE = MINUTE;

export function presentStatusPage(data: StatusPageData, now: number): Presented<StatusPageView> {
  const format = formatterFor(data.settings.timeZone);
  const componentsById = new Map(data.components.map((c) => [c.id, c]));
  const days = lastDays(now, HISTORY_DAYS, data.settings.timeZone);
  const visible = data.components.filter((c) => !c.hidden);

  const componentView = (component: ComponentRow): ComponentView => {
    const changes = data.history.get(component.id) ?? [];
    const ratio = uptime(changes, days[0]!.start, now).ratio;
    const cells = dailySummaries(changes, days, now).map(dayCell);
    const bad = cells.filter((cell) => cell.status !== 'operational' && cell.status !== 'none');
    return {
      id: component.id,
      name: component.name,
      description: component.description,
      status: component.status,
      statusLabel: COMPONENT_STATUS_LABELS[component.status],
      uptime: ratio === null ? null : formatPercent(ratio),
      days: cells,
      historySummary: bad.length
        ? `Last ${HISTORY_DAYS} days: ${bad.map((cell) => cell.label).join('; ')}; other days without downtime.`
        : `Last ${HISTORY_DAYS} days: no downtime.`,
    };
  };
  const section = (name: string | null, description: string | null, members: ComponentRow[]): GroupView => {
    const status = worstStatus(members.map((c) => c.status));
    return {
      name,
      description,
      status,
      statusLabel: COMPONENT_STATUS_LABELS[status],
      components: members.map(componentView),
    };
  };
  const sections = [
    ...data.groups.map((group) =>
      section(group.name, group.description, visible.filter((c) => c.groupId === group.id)),
    ),
    section(null, null, visible.filter((c) => c.groupId === null || !data.groups.some((g) => g.id === c.groupId))),
  ].filter((s) => s.components.length > 0);

  const present = (incident: StatusPageData['recent'][number]): IncidentView =>
    presentIncident(incident, componentsById, format, now);
  const maintenance = data.pendingMaintenance.map(present).filter((m) => !m.closed);
  const banner = overallStatus(visible.map((c) => c.status));

  const today = localDate(now, data.settings.timeZone);
  const pastDays = Array.from({ length: RECENT_DAYS }, (_, i) => {
    const date = addDays(today, -i);
    const start = startOfLocalDate(date, data.settings.timeZone);
    const end = startOfLocalDate(addDays(date, 1), data.settings.timeZone);
    return {
      date: format.date(start + DAY / 2),
      incidents: data.recent.filter((r) => r.startedAt >= start && r.startedAt < end && r.startedAt <= now).map(present),
    };
  });

  // The page changes by itself at midnight (new bar cell) and when a
  // maintenance window opens or closes; otherwise refresh uptime each minute.
  const edges = data.pendingMaintenance
    .flatMap((m) => [m.scheduledFor, m.scheduledUntil])
    .filter((t): t is number => t !== null && t > now);
  const validUntil = Math.min(now + MAX_RENDER_AGE, days[days.length - 1]!.end, ...edges);

  return {
    view: {
      page: presentPage(data.settings),
      title: `${data.settings.name} status`,
      banner: { status: banner.status, description: banner.description },
      exampleContent: data.exampleContent,
      activeIncidents: data.openIncidents.map(present),
      maintenance,
      sections,
      historyDays: HISTORY_DAYS,
      downtimeWeights: {
        major: `${DOWNTIME_WEIGHT.major_outage * 100}%`,
        partial: `${DOWNTIME_WEIGHT.partial_outage * 100}%`,
        degraded: `${DOWNTIME_WEIGHT.degraded_performance * 100}%`,
      },
      pastDays,
    },
    validUntil,
  };
}

function dayCell(day: DaySummary): DayCellView {
  // day.date is already a local calendar date: format it as such, zone-free.
  const date = formatterFor('UTC').date(Date.parse(`${day.date}T12:00:00Z`)).text;
  if (day.worst === null) return { status: 'none', label: `${date}: no data`, title: null };
  const problems = (Object.entries(day.durations) as [ComponentStatus, number][])
    .sort((a, b) => b[1] - a[1])
    .map(([status, ms]) => `${COMPONENT_STATUS_LABELS[status].toLowerCase()} for ${formatDuration(ms)}`);
  const label = problems.length ? `${date}: ${problems.join(', ')}` : `${date}: no downtime`;
  return { status: day.worst, label, title: problems.length ? label : null };
}

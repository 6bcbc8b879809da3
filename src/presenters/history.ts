import type { HistoryData } from '../services/public/history.js';
import { formatterFor } from './format.js';
import { presentIncident, type IncidentView } from './incident.js';
import { presentPage, type PageView } from './page.js';

export interface HistoryView {
  page: PageView;
  title: string;
  months: { label: string; incidents: IncidentView[] }[];
  newerUrl: string | null;
  olderUrl: string | null;
}

export function presentHistory(data: HistoryData, now: number): HistoryView {
  const format = formatterFor(data.settings.timeZone);
  const componentsById = new Map(data.components.map((c) => [c.id, c]));
  const pageUrl = (page: number): string => (page === 1 ? '/history' : `/history?page=${page}`);
  return {
    page: presentPage(data.settings),
    title: `Incident history · ${data.settings.name}`,
    months: data.months.map((month) => ({
      label: format.month(month.window.start + 12 * 3600_000),
      incidents: month.incidents.map((incident) => presentIncident(incident, componentsById, format, now)),
    })),
    newerUrl: data.page > 1 ? pageUrl(data.page - 1) : null,
    olderUrl: data.hasOlder ? pageUrl(data.page + 1) : null,
  };
}

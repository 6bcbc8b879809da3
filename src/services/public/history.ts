import { monthWindow, type MonthWindow } from '../../domain/calendar.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentRow, SettingsRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { loadSettings } from '../settings/reads.js';

export const MONTHS_PER_PAGE = 3;
export const MAX_HISTORY_PAGE = 1000;

export interface HistoryData {
  settings: SettingsRow;
  components: ComponentRow[];
  page: number;
  /** Newest month first, each with its incidents newest first. */
  months: { window: MonthWindow; incidents: IncidentDetail[] }[];
  hasOlder: boolean;
}

/** Incidents and maintenance by month, MONTHS_PER_PAGE months per page, newest first. */
export async function loadHistory(deps: Pick<Deps, 'repos'>, page: number, now: number): Promise<HistoryData> {
  const settings = await loadSettings(deps);
  const windows = Array.from({ length: MONTHS_PER_PAGE }, (_, i) =>
    monthWindow(now, (page - 1) * MONTHS_PER_PAGE + i, settings.timeZone),
  );
  const oldest = windows[windows.length - 1]!;
  const [components, incidents, hasOlder] = await Promise.all([
    deps.repos.components.list(),
    deps.repos.incidents.listStartedBetween(oldest.start, Math.min(windows[0]!.end, now + 1)),
    deps.repos.incidents.anyStartedBefore(oldest.start),
  ]);
  return {
    settings,
    components,
    page,
    months: windows.map((window) => ({
      window,
      incidents: incidents.filter((i) => i.startedAt >= window.start && i.startedAt < window.end),
    })),
    hasOlder,
  };
}

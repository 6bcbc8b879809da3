import { DAY } from '../../domain/calendar.js';
import type { ComponentStatus } from '../../domain/constants.js';
import { overallStatus } from '../../domain/status.js';
import { uptime } from '../../domain/uptime.js';
import type { ComponentRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { loadSettings } from '../settings/reads.js';

export interface BadgeData {
  /** Default label: the page name, or the component name. */
  name: string;
  status: ComponentStatus;
  /** Uptime over the window, when asked for; null when there is no data. */
  uptime: number | null;
}

/** Finds a public component by id or by name (case-insensitive). */
function findComponent(components: ComponentRow[], key: string): ComponentRow {
  const lower = key.toLowerCase();
  const found =
    components.find((c) => !c.hidden && c.id === key) ??
    components.find((c) => !c.hidden && c.name.toLowerCase() === lower);
  if (!found) throw new NotFoundError(`No component "${key}" on this page.`);
  return found;
}

export async function loadBadge(
  deps: Pick<Deps, 'repos'>,
  options: { component?: string; uptimeDays?: number; now: number },
): Promise<BadgeData> {
  const [settings, components] = await Promise.all([loadSettings(deps), deps.repos.components.list()]);
  const visible = components.filter((c) => !c.hidden);
  const targets = options.component ? [findComponent(components, options.component)] : visible;
  const name = options.component ? targets[0]!.name : settings.name;
  const status = options.component ? targets[0]!.status : overallStatus(visible.map((c) => c.status)).status;
  if (!options.uptimeDays) return { name, status, uptime: null };

  const from = options.now - options.uptimeDays * DAY;
  const history = await deps.repos.components.historySince(targets.map((c) => c.id), from);
  // Overall uptime: the mean over the public components.
  let sum = 0;
  let counted = 0;
  for (const target of targets) {
    const ratio = uptime(history.get(target.id) ?? [], from, options.now).ratio;
    if (ratio !== null) {
      sum += ratio;
      counted++;
    }
  }
  return { name, status, uptime: counted ? sum / counted : null };
}

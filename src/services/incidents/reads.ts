import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentGroupRow, ComponentRow, SettingsRow, TemplateRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { loadSettings } from '../settings/reads.js';
import { publicTemplates } from '../settings/templates.js';

export interface IncidentFormData {
  settings: SettingsRow;
  components: ComponentRow[];
  groups: ComponentGroupRow[];
  templates: TemplateRow[];
}

/** What the incident forms offer: components to change and templates to start from. */
export async function loadIncidentForm(deps: Pick<Deps, 'repos'>): Promise<IncidentFormData> {
  const [settings, components, groups, templates] = await Promise.all([
    loadSettings(deps),
    deps.repos.components.list(),
    deps.repos.components.listGroups(),
    deps.repos.templates.list(),
  ]);
  return { settings, components, groups, templates: publicTemplates(templates) };
}

export async function loadAdminIncident(
  deps: Pick<Deps, 'repos'>,
  id: string,
): Promise<IncidentFormData & { incident: IncidentDetail }> {
  const incident = ID_PATTERN.test(id) ? await deps.repos.incidents.findById(id) : undefined;
  if (!incident) throw new NotFoundError('There is no incident with this id.');
  return { ...(await loadIncidentForm(deps)), incident };
}

/** Open incidents and the most recent ones, for the admin list. */
export async function loadIncidentList(deps: Pick<Deps, 'repos'>): Promise<IncidentFormData & { open: IncidentDetail[]; recent: IncidentDetail[] }> {
  const [form, open, recent] = await Promise.all([
    loadIncidentForm(deps),
    deps.repos.incidents.listOpenIncidents(),
    deps.repos.incidents.listRecent({ kind: 'incident', limit: 50 }),
  ]);
  return { ...form, open, recent: recent.filter((r) => !open.some((o) => o.id === r.id)) };
}

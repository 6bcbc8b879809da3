import type { ComponentGroupRow, ComponentRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';

/* The components and groups as the admin shows them, and what deleting one would take with it. */

type ReadDeps = Pick<Deps, 'repos'>;

export async function findComponent(deps: ReadDeps, id: string): Promise<ComponentRow> {
  const component = await deps.repos.components.findById(id);
  if (!component) throw new NotFoundError(`No component with id ${id}.`);
  return component;
}

export async function findGroup(deps: ReadDeps, id: string): Promise<ComponentGroupRow> {
  const group = await deps.repos.components.findGroup(id);
  if (!group) throw new NotFoundError(`No component group with id ${id}.`);
  return group;
}

/** Every group and component in display order (hidden components included), for the admin list. */
export async function loadComponents(deps: ReadDeps): Promise<{ groups: ComponentGroupRow[]; components: ComponentRow[] }> {
  const [groups, components] = await Promise.all([deps.repos.components.listGroups(), deps.repos.components.list()]);
  return { groups, components };
}

/** One component, and the groups it could move to; NotFoundError when there is no such component. */
export async function loadComponent(deps: ReadDeps, id: string): Promise<{ component: ComponentRow; groups: ComponentGroupRow[] }> {
  const [component, groups] = await Promise.all([findComponent(deps, id), deps.repos.components.listGroups()]);
  return { component, groups };
}

export interface ComponentDeletion {
  component: ComponentRow;
  /** Rows of status history that go with it. */
  statusChanges: number;
  /** Incidents and maintenances that name it; they stay, without it. */
  incidents: number;
}

/** What deleting a component takes with it, for the confirmation page. */
export async function describeComponentDeletion(deps: ReadDeps, id: string): Promise<ComponentDeletion> {
  const component = await findComponent(deps, id);
  const [statusChanges, incidents] = await Promise.all([
    deps.repos.components.countStatusChanges(id),
    deps.repos.components.countIncidentsMentioning(id),
  ]);
  return { component, statusChanges, incidents };
}

export interface GroupDeletion {
  group: ComponentGroupRow;
  /** Its components, in order; they stay, ungrouped. */
  components: ComponentRow[];
}

/**
 * A group with its components in order: what its page shows, and what
 * deleting it changes (they become ungrouped). NotFoundError when there is none.
 */
export async function describeGroupDeletion(deps: ReadDeps, id: string): Promise<GroupDeletion> {
  const group = await findGroup(deps, id);
  const components = (await deps.repos.components.list()).filter((c) => c.groupId === id);
  return { group, components };
}

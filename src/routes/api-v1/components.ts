import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { presentApiComponent, presentApiGroup } from '../../presenters/api-v1.js';
import type { ApiComponent, ApiComponentGroup } from '../../presenters/api-v1-models.js';
import { createComponent, CreateComponentInput } from '../../services/components/components.js';
import { createGroup } from '../../services/components/groups.js';
import { deleteComponent, reorderComponents, setComponentStatus, updateComponent } from '../../services/components/components.js';
import { deleteGroup, reorderGroups, updateGroup } from '../../services/components/groups.js';
import { PublicId } from '../../services/validation.js';
import { operation, type Operation } from './registry.js';
import {
  ComponentGroupListModel,
  ComponentGroupModel,
  ComponentListModel,
  ComponentModel,
  ComponentStatusInput,
  IdPath,
  IsoTime,
  OrderInput,
} from './schemas.js';

const C = CreateComponentInput.shape;
const Name = C.name.describe('Name shown on the page');
const Description = z.string().trim().max(500);
const Position = z.number().int().min(0).describe('Order on the page (lower first); defaults to after the last one');

const CreateComponentBody = z
  .strictObject({
    name: Name,
    description: Description.optional(),
    group_id: PublicId.optional().describe('The group it belongs to'),
    position: Position.optional(),
    status: ComponentStatusInput.optional().describe('Defaults to operational'),
    hidden: z.boolean().optional().describe('Hidden components are tracked but not shown on the public page'),
    started_at: IsoTime.optional().describe('When tracking starts (uptime before it has no data); defaults to now'),
  })
  .transform((b) => ({
    name: b.name,
    description: b.description,
    groupId: b.group_id,
    position: b.position,
    status: b.status,
    hidden: b.hidden,
    startedAt: b.started_at,
  }));

const UpdateComponentBody = z
  .strictObject({
    name: Name.optional(),
    description: Description.nullable().optional().describe('null or "" for none'),
    group_id: PublicId.nullable().optional().describe('null takes it out of its group; a new group puts it last in that group'),
    hidden: z.boolean().optional(),
  })
  .transform((b) => ({ name: b.name, description: b.description, groupId: b.group_id, hidden: b.hidden }));

const StatusBody = z.strictObject({
  status: ComponentStatusInput.describe('The status from now on (recorded in the history, so uptime follows)'),
});

const CreateGroupBody = z.strictObject({
  name: Name,
  description: Description.optional(),
  position: Position.optional(),
});

const UpdateGroupBody = z.strictObject({
  name: Name.optional(),
  description: Description.nullable().optional().describe('null or "" for none'),
});

async function componentResponse(deps: Pick<Deps, 'repos'>, id: string): Promise<ApiComponent> {
  const row = await deps.repos.components.findById(id);
  if (!row) throw new NotFoundError(`No component with id ${id}.`);
  return presentApiComponent(row);
}

async function groupResponse(deps: Pick<Deps, 'repos'>, id: string): Promise<ApiComponentGroup> {
  const [group, components] = await Promise.all([deps.repos.components.findGroup(id), deps.repos.components.list()]);
  if (!group) throw new NotFoundError(`No component group with id ${id}.`);
  return presentApiGroup(group, components);
}

async function componentList(deps: Pick<Deps, 'repos'>): Promise<{ data: ApiComponent[] }> {
  return { data: (await deps.repos.components.list()).map(presentApiComponent) };
}

async function groupList(deps: Pick<Deps, 'repos'>): Promise<{ data: ApiComponentGroup[] }> {
  const [groups, components] = await Promise.all([deps.repos.components.listGroups(), deps.repos.components.list()]);
  return { data: groups.map((g) => presentApiGroup(g, components)) };
}

export function componentOperations(): Operation[] {
  return [
    operation({
      operationId: 'listComponents',
      method: 'get',
      path: '/components',
      tag: 'Components',
      summary: 'List components',
      description: 'All components in page order, hidden ones included.',
      permission: 'admin:read',
      response: ComponentListModel,
      run: ({ deps }) => componentList(deps),
    }),
    operation({
      operationId: 'getComponent',
      method: 'get',
      path: '/components/{id}',
      tag: 'Components',
      summary: 'Get one component',
      permission: 'admin:read',
      params: IdPath,
      response: ComponentModel,
      run: ({ deps, params }) => componentResponse(deps, params.id),
    }),
    operation({
      operationId: 'createComponent',
      method: 'post',
      path: '/components',
      tag: 'Components',
      summary: 'Create a component',
      description: 'Opens its status history from started_at.',
      permission: 'components:write',
      body: CreateComponentBody,
      status: 201,
      response: ComponentModel,
      async run({ deps, actor, body }) {
        return componentResponse(deps, await createComponent(deps, body, actor));
      },
    }),
    operation({
      operationId: 'updateComponent',
      method: 'patch',
      path: '/components/{id}',
      tag: 'Components',
      summary: 'Update a component',
      description: 'Only the fields sent change.',
      permission: 'components:write',
      params: IdPath,
      body: UpdateComponentBody,
      response: ComponentModel,
      async run({ deps, actor, params, body }) {
        await updateComponent(deps, actor, params.id, body);
        return componentResponse(deps, params.id);
      },
    }),
    operation({
      operationId: 'setComponentStatus',
      method: 'put',
      path: '/components/{id}/status',
      tag: 'Components',
      summary: "Set a component's status by hand",
      description: 'Outside an incident, from now on. Setting the status it already has changes nothing.',
      permission: 'components:write',
      params: IdPath,
      body: StatusBody,
      response: ComponentModel,
      async run({ deps, actor, params, body }) {
        await setComponentStatus(deps, actor, params.id, body.status);
        return componentResponse(deps, params.id);
      },
    }),
    operation({
      operationId: 'reorderComponents',
      method: 'put',
      path: '/components/order',
      tag: 'Components',
      summary: 'Put components in order',
      description: 'The listed components come first, in that order; the others keep their order after them. A partial list (one group) is fine.',
      permission: 'components:write',
      body: OrderInput,
      response: ComponentListModel,
      async run({ deps, actor, body }) {
        await reorderComponents(deps, actor, body);
        return componentList(deps);
      },
    }),
    operation({
      operationId: 'deleteComponent',
      method: 'delete',
      path: '/components/{id}',
      tag: 'Components',
      summary: 'Delete a component',
      description: 'With its status history (uptime). Incidents that named it stay, without it.',
      permission: 'components:write',
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await deleteComponent(deps, actor, params.id);
      },
    }),
    operation({
      operationId: 'listComponentGroups',
      method: 'get',
      path: '/component-groups',
      tag: 'Component groups',
      summary: 'List component groups',
      permission: 'admin:read',
      response: ComponentGroupListModel,
      run: ({ deps }) => groupList(deps),
    }),
    operation({
      operationId: 'getComponentGroup',
      method: 'get',
      path: '/component-groups/{id}',
      tag: 'Component groups',
      summary: 'Get one component group',
      permission: 'admin:read',
      params: IdPath,
      response: ComponentGroupModel,
      run: ({ deps, params }) => groupResponse(deps, params.id),
    }),
    operation({
      operationId: 'createComponentGroup',
      method: 'post',
      path: '/component-groups',
      tag: 'Component groups',
      summary: 'Create a component group',
      permission: 'components:write',
      body: CreateGroupBody,
      status: 201,
      response: ComponentGroupModel,
      async run({ deps, actor, body }) {
        return groupResponse(deps, await createGroup(deps, body, actor));
      },
    }),
    operation({
      operationId: 'updateComponentGroup',
      method: 'patch',
      path: '/component-groups/{id}',
      tag: 'Component groups',
      summary: 'Update a component group',
      description: 'Only the fields sent change.',
      permission: 'components:write',
      params: IdPath,
      body: UpdateGroupBody,
      response: ComponentGroupModel,
      async run({ deps, actor, params, body }) {
        await updateGroup(deps, actor, params.id, body);
        return groupResponse(deps, params.id);
      },
    }),
    operation({
      operationId: 'reorderComponentGroups',
      method: 'put',
      path: '/component-groups/order',
      tag: 'Component groups',
      summary: 'Put component groups in order',
      description: 'The listed groups come first, in that order; the others keep their order after them.',
      permission: 'components:write',
      body: OrderInput,
      response: ComponentGroupListModel,
      async run({ deps, actor, body }) {
        await reorderGroups(deps, actor, body);
        return groupList(deps);
      },
    }),
    operation({
      operationId: 'deleteComponentGroup',
      method: 'delete',
      path: '/component-groups/{id}',
      tag: 'Component groups',
      summary: 'Delete a component group',
      description: 'Its components stay, with their history, and become ungrouped.',
      permission: 'components:write',
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await deleteGroup(deps, actor, params.id);
      },
    }),
  ];
}

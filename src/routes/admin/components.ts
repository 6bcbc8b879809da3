import { Hono } from 'hono';
import type { ComponentGroupRow, ComponentRow } from '../../db/schema.js';
import { COMPONENT_STATUS_LABELS, COMPONENT_STATUSES, type ComponentStatus } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { formatterFor } from '../../presenters/format.js';
import { createComponent } from '../../services/components/components.js';
import { createGroup } from '../../services/components/groups.js';
import { deleteComponent, moveComponent, setComponentStatus, updateComponent } from '../../services/components/components.js';
import { deleteGroup, moveGroup, updateGroup } from '../../services/components/groups.js';
import { describeComponentDeletion, describeGroupDeletion, loadComponent, loadComponents } from '../../services/components/reads.js';
import { type MoveDirection } from '../../services/components/shared.js';
import { loadSettings } from '../../services/settings/reads.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

type Form = Record<string, string | string[]>;

/** A single text field of a form ('' when missing or repeated). */
const text = (form: Form, key: string): string => (typeof form[key] === 'string' ? form[key] : '');
const checked = (form: Form, key: string): boolean => text(form, key) !== '';

const STATUS_OPTIONS = COMPONENT_STATUSES.map((value) => ({ value, label: COMPONENT_STATUS_LABELS[value] }));

/** Messages after a write (PRG), by key, so no user text travels in the URL. */
const NOTICES: Record<string, string> = {
  'component-created': 'Component created.',
  'group-created': 'Group created.',
  'component-saved': 'Component saved.',
  'group-saved': 'Group saved.',
  'status-set': 'Status changed. The public page shows it now.',
  moved: 'Order changed.',
  'component-deleted': 'Component deleted.',
  'group-deleted': 'Group deleted. Its components are now ungrouped.',
};

export interface FormState {
  values: Record<string, unknown>;
  errors?: { message: string; fields?: Record<string, string[]> };
}

function errorsOf(error: ValidationError): FormState['errors'] {
  const fields = error.fields && Object.keys(error.fields).some((key) => key !== '_') ? error.fields : undefined;
  return { message: fields ? 'Nothing was saved. Check the fields marked below.' : error.message, fields };
}

const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "312 status changes and 4 incidents mention it." */
export function deletionSummary(statusChanges: number, incidents: number): string {
  return `${plural(statusChanges, 'status change', 'status changes')} and ${plural(incidents, 'incident', 'incidents')} mention it.`;
}

/** Components and component groups: list, create, edit, status, order, delete. */
export function componentRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'components:write');

  const componentView = (c: ComponentRow, index: number, count: number) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    statusLabel: COMPONENT_STATUS_LABELS[c.status],
    hidden: c.hidden,
    order: index + 1,
    first: index === 0,
    last: index === count - 1,
  });

  const renderList = async (
    c: AdminContext,
    forms: { component?: FormState; group?: FormState; status?: FormState } = {},
    status: 200 | 400 = 200,
  ) => {
    const { groups, components } = await loadComponents(deps);
    const known = new Set(groups.map((g) => g.id));
    const members = (groupId: string | null) => {
      const list = components.filter((x) => (x.groupId && known.has(x.groupId) ? x.groupId : null) === groupId);
      return list.map((x, i) => componentView(x, i, list.length));
    };
    const notice = NOTICES[c.req.query('done') ?? ''] ?? null;
    return renderAdmin(
      c,
      deps,
      'components/index',
      {
        title: 'Components',
        notice,
        statuses: STATUS_OPTIONS,
        groups: groups.map((g, i) => ({
          id: g.id,
          name: g.name,
          description: g.description,
          order: i + 1,
          first: i === 0,
          last: i === groups.length - 1,
          components: members(g.id),
        })),
        ungrouped: members(null),
        total: components.length,
        groupOptions: groups.map((g) => ({ id: g.id, name: g.name })),
        componentForm: forms.component ?? { values: { status: 'operational' } },
        groupForm: forms.group ?? { values: {} },
        statusForm: forms.status ?? null,
      },
      status,
    );
  };

  app.get('/components', read, (c) => renderList(c));

  app.post('/components', write, async (c) => {
    const form = await formOf(c);
    const values = {
      name: text(form, 'name'),
      description: text(form, 'description'),
      groupId: text(form, 'groupId'),
      status: text(form, 'status'),
      hidden: checked(form, 'hidden'),
    };
    try {
      const id = await createComponent(
        deps,
        {
          name: values.name,
          description: values.description,
          groupId: values.groupId || undefined,
          status: (values.status || undefined) as ComponentStatus | undefined,
          hidden: values.hidden,
        },
        c.get('actor'),
      );
      return c.redirect(`/admin/components?done=component-created#c-${id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderList(c, { component: { values, errors: errorsOf(error) } }, 400);
    }
  });

  app.post('/groups', write, async (c) => {
    const form = await formOf(c);
    const values = { name: text(form, 'name'), description: text(form, 'description') };
    try {
      const id = await createGroup(deps, values, c.get('actor'));
      return c.redirect(`/admin/components?done=group-created#g-${id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderList(c, { group: { values, errors: errorsOf(error) } }, 400);
    }
  });

  app.post('/components/:id/status', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    try {
      await setComponentStatus(deps, c.get('actor'), id, text(form, 'status'));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderList(c, { status: { values: { id }, errors: { message: `Status not changed: ${error.fields?.status?.join(', ') ?? error.message}` } } }, 400);
    }
    return c.redirect(backTo(form, `/admin/components?done=status-set#c-${id}`, id), 303);
  });

  const direction = (form: Form): MoveDirection | null => {
    const value = text(form, 'direction');
    return value === 'up' || value === 'down' ? value : null;
  };

  app.post('/components/:id/move', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const dir = direction(form);
    if (!dir) return renderList(c, { status: { values: {}, errors: { message: 'Choose to move up or down.' } } }, 400);
    await moveComponent(deps, c.get('actor'), id, dir);
    return c.redirect(`/admin/components?done=moved#c-${id}`, 303);
  });

  app.post('/groups/:id/move', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const dir = direction(form);
    if (!dir) return renderList(c, { status: { values: {}, errors: { message: 'Choose to move up or down.' } } }, 400);
    await moveGroup(deps, c.get('actor'), id, dir);
    return c.redirect(`/admin/components?done=moved#g-${id}`, 303);
  });

  /* ---- One component ---- */

  const renderComponent = async (c: AdminContext, id: string, form: FormState | null, status: 200 | 400 = 200) => {
    const [{ component, groups }, settings] = await Promise.all([loadComponent(deps, id), loadSettings(deps)]);
    const format = formatterFor(settings.timeZone);
    return renderAdmin(
      c,
      deps,
      'components/edit',
      {
        title: `Edit ${component.name}`,
        notice: NOTICES[c.req.query('done') ?? ''] ?? null,
        component: {
          id: component.id,
          name: component.name,
          description: component.description,
          status: component.status,
          statusLabel: COMPONENT_STATUS_LABELS[component.status],
          hidden: component.hidden,
          groupName: groups.find((g) => g.id === component.groupId)?.name ?? null,
          trackedSince: format.dateTime(component.startedAt).text,
        },
        statuses: STATUS_OPTIONS,
        groupOptions: groups.map((g) => ({ id: g.id, name: g.name })),
        form: form ?? {
          values: {
            name: component.name,
            description: component.description ?? '',
            groupId: component.groupId ?? '',
            hidden: component.hidden,
          },
        },
      },
      status,
    );
  };

  app.get('/components/:id', read, (c) => renderComponent(c, c.req.param('id'), null));

  app.post('/components/:id', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const values = {
      name: text(form, 'name'),
      description: text(form, 'description'),
      groupId: text(form, 'groupId'),
      hidden: checked(form, 'hidden'),
    };
    try {
      await updateComponent(deps, c.get('actor'), id, {
        name: values.name,
        description: values.description,
        groupId: values.groupId || null,
        hidden: values.hidden,
      });
      return c.redirect(`/admin/components/${id}?done=component-saved`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderComponent(c, id, { values, errors: errorsOf(error) }, 400);
    }
  });

  app.get('/components/:id/delete', write, async (c) => {
    const found = await describeComponentDeletion(deps, c.req.param('id'));
    return renderAdmin(c, deps, 'components/delete', {
      title: `Delete ${found.component.name}`,
      component: { id: found.component.id, name: found.component.name },
      statusChanges: found.statusChanges,
      incidents: found.incidents,
      summary: deletionSummary(found.statusChanges, found.incidents),
    });
  });

  app.post('/components/:id/delete', write, async (c) => {
    await deleteComponent(deps, c.get('actor'), c.req.param('id'));
    return c.redirect('/admin/components?done=component-deleted', 303);
  });

  /* ---- One group ---- */

  const renderGroup = async (c: AdminContext, group: ComponentGroupRow, members: ComponentRow[], form: FormState | null, status: 200 | 400 = 200) =>
    renderAdmin(
      c,
      deps,
      'components/group',
      {
        title: `Edit ${group.name}`,
        notice: NOTICES[c.req.query('done') ?? ''] ?? null,
        group: { id: group.id, name: group.name, description: group.description },
        components: members.map((x, i) => componentView(x, i, members.length)),
        form: form ?? { values: { name: group.name, description: group.description ?? '' } },
      },
      status,
    );

  app.get('/groups', read, (c) => c.redirect('/admin/components', 303));

  app.get('/groups/:id', read, async (c) => {
    const { group, components } = await describeGroupDeletion(deps, c.req.param('id'));
    return renderGroup(c, group, components, null);
  });

  app.post('/groups/:id', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const values = { name: text(form, 'name'), description: text(form, 'description') };
    try {
      await updateGroup(deps, c.get('actor'), id, values);
      return c.redirect(`/admin/groups/${id}?done=group-saved`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { group, components } = await describeGroupDeletion(deps, id);
      return renderGroup(c, group, components, { values, errors: errorsOf(error) }, 400);
    }
  });

  app.get('/groups/:id/delete', write, async (c) => {
    const { group, components } = await describeGroupDeletion(deps, c.req.param('id'));
    return renderAdmin(c, deps, 'components/delete-group', {
      title: `Delete ${group.name}`,
      group: { id: group.id, name: group.name },
      components: components.map((x) => ({ id: x.id, name: x.name })),
    });
  });

  app.post('/groups/:id/delete', write, async (c) => {
    await deleteGroup(deps, c.get('actor'), c.req.param('id'));
    return c.redirect('/admin/components?done=group-deleted', 303);
  });

  return app;
}

/** The quick status form on a component's own page returns there; the list's returns to the list. */
function backTo(form: Form, fallback: string, id: string): string {
  return text(form, 'from') === 'component' ? `/admin/components/${id}?done=status-set` : fallback;
}

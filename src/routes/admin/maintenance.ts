import { Hono } from 'hono';
import { formatLocalDateTime, parseLocalDateTime } from '../../domain/calendar.js';
import { COMPONENT_STATUS_LABELS, type MaintenanceStatus } from '../../domain/constants.js';
import { allowedNextStatuses, isMaintenanceStatus } from '../../domain/lifecycle.js';
import { dueMaintenanceMove, maintenanceNextUpdateAt } from '../../domain/maintenance-clock.js';
import { placeholdersIn } from '../../domain/templates.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import { formatterFor } from '../../presenters/format.js';
import { presentIncident } from '../../presenters/incident.js';
import {
  emptyScheduleForm,
  fillMaintenanceText,
  MAINTENANCE_STATUS_OPTIONS,
  maintenancePlaceholderValues,
  maintenanceUpdateFormFrom,
  placeholderFields,
  scheduleFormFrom,
  type MaintenanceUpdateFormState,
  type ScheduleFormState,
} from '../../presenters/maintenance-form.js';
import { loadAdminMaintenance, loadMaintenanceForm, loadMaintenanceList, type MaintenanceFormData } from '../../services/maintenance/reads.js';
import { maintenanceUpdateComponents, postMaintenanceUpdate } from '../../services/maintenance/post-update.js';
import { snapshotOf, visibleComponentNames } from '../../services/maintenance/clock.js';
import { scheduleMaintenance } from '../../services/maintenance/schedule.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

type Errors = { message: string; fields?: Record<string, string[]> };

const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  body: 'Message to customers',
  scheduledFor: 'Starts',
  scheduledUntil: 'Ends',
  componentIds: 'Components',
  components: 'Components',
  status: 'Step',
};

function errorsOf(error: AppError): Errors {
  if (!error.fields) return { message: error.message };
  const fields: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(error.fields)) fields[FIELD_LABELS[key] ?? FIELD_LABELS[key.split('.')[0]!] ?? key] = messages;
  return { message: error.message.startsWith('Not published') ? error.message : 'Nothing was published. Check the fields below.', fields };
}

/** The step a maintenance usually takes next, to preselect in its update form. */
const NEXT_STEP: Record<MaintenanceStatus, MaintenanceStatus> = {
  scheduled: 'in_progress',
  in_progress: 'verifying',
  verifying: 'completed',
  completed: 'completed',
};

/** A preview: the maintenance as the public page will show it. */
function previewOf(data: MaintenanceFormData, detail: IncidentDetail, now: number, texts: string[]) {
  const byId = new Map(data.components.map((c) => [c.id, c]));
  return {
    incident: presentIncident(detail, byId, formatterFor(data.settings.timeZone), now),
    unfilled: [...new Set(texts.flatMap((t) => placeholdersIn(t)))],
  };
}

const componentOptions = (components: ComponentRow[], chosen: readonly string[]) =>
  components.map((c) => ({
    id: c.id,
    name: c.name,
    hidden: c.hidden,
    statusLabel: COMPONENT_STATUS_LABELS[c.status],
    checked: chosen.includes(c.id),
  }));

/** Scheduled maintenance: announce a window, move it through its steps; the clock does the rest. */
export function maintenanceRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'incidents:write');

  app.get('/maintenance', read, async (c) => {
    const now = deps.clock.now();
    const data = await loadMaintenanceList(deps, now);
    const format = formatterFor(data.settings.timeZone);
    const byId = new Map(data.components.map((x) => [x.id, x]));
    const present = (m: IncidentDetail) => {
      const view = presentIncident(m, byId, format, now);
      // The window moved the phase on, and the clock has not posted it yet.
      return { ...view, storedStatus: m.status, waitingForClock: dueMaintenanceMove(snapshotOf(m), now) !== null };
    };
    return renderAdmin(c, deps, 'maintenance/list', {
      title: 'Maintenance',
      upcoming: data.upcoming.map(present),
      inProgress: data.inProgress.map(present),
      completed: data.completed.map(present),
    });
  });

  const scheduleView = (data: MaintenanceFormData, form: ScheduleFormState, now: number) => {
    const tz = data.settings.timeZone;
    const scheduledFor = parseLocalDateTime(form.starts, tz);
    const scheduledUntil = parseLocalDateTime(form.ends, tz);
    const automatic = maintenancePlaceholderValues(
      { scheduledFor, scheduledUntil, componentNames: visibleComponentNames(form.componentIds, data.components, data.groups), nextUpdateAt: null },
      formatterFor(tz),
    );
    // "Next update" of an announcement: when the work starts.
    if (automatic.start_time && scheduledFor !== null && scheduledFor > now) automatic.next_update_time = automatic.start_time;
    return {
      scheduledFor,
      scheduledUntil,
      automatic,
      title: fillMaintenanceText(form.title, form.values, automatic),
      body: fillMaintenanceText(form.body, form.values, automatic),
      placeholders: placeholderFields([form.title, form.body], form.values, automatic),
    };
  };

  const renderNew = (
    c: AdminContext,
    data: MaintenanceFormData,
    form: ScheduleFormState,
    extra: Record<string, unknown> = {},
    status: 200 | 400 | 404 | 409 = 200,
  ) => {
    const now = deps.clock.now();
    const view = scheduleView(data, form, now);
    return renderAdmin(
      c,
      deps,
      'maintenance/new',
      {
        title: 'Schedule maintenance',
        form,
        placeholders: view.placeholders,
        components: componentOptions(data.components, form.componentIds),
        templates: data.templates.filter((t) => t.status === 'scheduled'),
        timeZone: data.settings.timeZone,
        zoneName: formatterFor(data.settings.timeZone).time(now).text.replace(/^\d\d:\d\d\s*/, ''),
        exampleStart: formatLocalDateTime(now, data.settings.timeZone),
        ...extra,
      },
      status,
    );
  };

  app.get('/maintenance/new', write, async (c) => {
    const data = await loadMaintenanceForm(deps);
    const asked = c.req.query('template');
    const template =
      asked === 'none'
        ? undefined
        : (data.templates.find((t) => t.id === asked) ?? data.templates.find((t) => t.status === 'scheduled'));
    const form = emptyScheduleForm();
    if (template) Object.assign(form, { templateId: template.id, title: template.title ?? '', body: template.body });
    return renderNew(c, data, form);
  });

  app.post('/maintenance/new', write, async (c) => {
    const fields = await formOf(c);
    const now = deps.clock.now();
    const data = await loadMaintenanceForm(deps);
    const form = scheduleFormFrom(fields);
    const view = scheduleView(data, form, now);
    try {
      const window: Record<string, string[]> = {};
      const example = `a date and time such as ${formatLocalDateTime(now, data.settings.timeZone)}`;
      if (view.scheduledFor === null) window.Starts = [`enter ${example}`];
      if (view.scheduledUntil === null) window.Ends = [`enter ${example}`];
      if (Object.keys(window).length) throw new ValidationError('Nothing was published: the window needs a start and an end.', window);
      if (fields.action === 'preview') {
        const detail: IncidentDetail = {
          id: 'preview',
          kind: 'maintenance',
          title: view.title,
          severity: null,
          impact: 'maintenance',
          status: 'scheduled',
          startedAt: view.scheduledFor!,
          monitoringAt: null,
          resolvedAt: null,
          scheduledFor: view.scheduledFor,
          scheduledUntil: view.scheduledUntil,
          nextUpdateAt: null,
          notify: form.notify,
          example: false,
          createdAt: now,
          updatedAt: now,
          sequence: 0,
          warRoomUrl: null,
          runbookUrl: null,
          dashboardUrl: null,
          internalRemindedAt: null,
          detectionSource: null,
          detectedAt: null,
          acknowledgedAt: null,
          acknowledgedBy: null,
          alertDraftId: null,
          markerTimes: null,
          componentIds: form.componentIds,
          updates: [
            { id: 'preview-update', incidentId: 'preview', status: 'scheduled', body: view.body, at: now, placeholders: null, createdAt: now, updatedAt: now, componentChanges: [] },
          ],
        };
        return renderNew(c, data, form, { preview: previewOf(data, detail, now, [view.title, view.body]) });
      }
      const id = await scheduleMaintenance(
        deps,
        {
          title: view.title,
          body: view.body,
          scheduledFor: view.scheduledFor!,
          scheduledUntil: view.scheduledUntil!,
          componentIds: form.componentIds,
          notify: form.notify,
        },
        c.get('actor'),
      );
      return c.redirect(`/admin/maintenance/${id}?published=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return renderNew(c, data, form, { errors: errorsOf(error) }, 400);
    }
  });

  const updateView = (data: MaintenanceFormData & { maintenance: IncidentDetail }, form: MaintenanceUpdateFormState, now: number) => {
    const m = data.maintenance;
    const status = form.status || NEXT_STEP[isMaintenanceStatus(m.status) ? m.status : 'scheduled'];
    const nextUpdateAt =
      m.scheduledFor !== null && m.scheduledUntil !== null
        ? maintenanceNextUpdateAt(status, { scheduledFor: m.scheduledFor, scheduledUntil: m.scheduledUntil }, now)
        : null;
    const automatic = maintenancePlaceholderValues(
      {
        scheduledFor: m.scheduledFor,
        scheduledUntil: m.scheduledUntil,
        componentNames: visibleComponentNames(m.componentIds, data.components, data.groups),
        nextUpdateAt,
      },
      formatterFor(data.settings.timeZone),
    );
    return {
      automatic,
      body: fillMaintenanceText(form.body, form.values, automatic),
      placeholders: placeholderFields([form.body], form.values, automatic),
    };
  };

  const renderShow = async (
    c: AdminContext,
    id: string,
    form: MaintenanceUpdateFormState | null,
    extra: Record<string, unknown> = {},
    status: 200 | 400 | 404 | 409 = 200,
  ) => {
    const now = deps.clock.now();
    const data = await loadAdminMaintenance(deps, id);
    const m = data.maintenance;
    let state = form;
    if (!state) {
      const suggested = NEXT_STEP[isMaintenanceStatus(m.status) ? m.status : 'scheduled'];
      const asked = data.templates.find((t) => t.id === c.req.query('template'));
      const template = asked ?? data.templates.find((t) => t.status === suggested);
      state = {
        templateId: template?.id ?? '',
        status: asked && isMaintenanceStatus(asked.status) ? asked.status : suggested,
        body: template?.body ?? '',
        values: {},
        autoComponents: true,
      };
    }
    const format = formatterFor(data.settings.timeZone);
    const byId = new Map(data.components.map((x) => [x.id, x]));
    const view = presentIncident(m, byId, format, now);
    const allowed = allowedNextStatuses('maintenance', m.status);
    return renderAdmin(
      c,
      deps,
      'maintenance/show',
      {
        title: m.title,
        maintenance: {
          ...view,
          storedStatus: m.status,
          notify: m.notify,
          waitingForClock: dueMaintenanceMove(snapshotOf(m), now) !== null,
          components: m.componentIds.map((cid) => {
            const row = byId.get(cid);
            return { id: cid, name: row?.name ?? 'Removed component', hidden: row?.hidden ?? false, statusLabel: row ? COMPONENT_STATUS_LABELS[row.status] : '' };
          }),
        },
        form: state,
        placeholders: updateView(data, state, now).placeholders,
        statuses: MAINTENANCE_STATUS_OPTIONS.filter((o) => allowed.includes(o.value)),
        templates: data.templates,
        published: c.req.query('published') === '1',
        ...extra,
      },
      status,
    );
  };

  app.get('/maintenance/:id', read, (c) => renderShow(c, c.req.param('id'), null));

  app.post('/maintenance/:id/updates', write, async (c) => {
    const id = c.req.param('id');
    const fields = await formOf(c);
    const now = deps.clock.now();
    const data = await loadAdminMaintenance(deps, id);
    const form = maintenanceUpdateFormFrom(fields);
    const view = updateView(data, form, now);
    try {
      if (fields.action === 'preview') {
        if (!form.status) throw new ValidationError('Choose the step this update moves the maintenance to.', { status: ['choose a step'] });
        const components = form.autoComponents ? await maintenanceUpdateComponents(deps, data.maintenance, form.status, now) : [];
        const current = new Map(data.components.map((x) => [x.id, x.status]));
        const detail: IncidentDetail = {
          ...data.maintenance,
          status: form.status,
          updates: [
            {
              id: 'preview-update',
              incidentId: id,
              status: form.status,
              body: view.body,
              placeholders: null,
              at: now,
              createdAt: now,
              updatedAt: now,
              componentChanges: components.map((x) => ({ componentId: x.componentId, oldStatus: current.get(x.componentId) ?? 'operational', newStatus: x.status })),
            },
            ...data.maintenance.updates,
          ],
        };
        return renderShow(c, id, form, { preview: previewOf(data, detail, now, [view.body]) });
      }
      await postMaintenanceUpdate(deps, c.get('actor'), {
        maintenanceId: id,
        status: form.status as MaintenanceStatus,
        body: view.body,
        autoComponents: form.autoComponents,
      });
      return c.redirect(`/admin/maintenance/${id}?published=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return renderShow(c, id, form, { errors: errorsOf(error) }, 400);
    }
  });

  return app;
}

import { Hono } from 'hono';
import { nextLocalTime, formatLocalDateTime, parseLocalDateTime } from '../../domain/calendar.js';
import { internalCadenceTable, roundUpToFiveMinutes, suggestedNextUpdate } from '../../domain/cadence.js';
import {
  DETECTION_SOURCE_LABELS,
  DETECTION_SOURCES,
  INCIDENT_ROLE_LABELS,
  INCIDENT_ROLES,
  INCIDENT_STATUS_LABELS,
  SEVERITIES,
  type AnyIncidentStatus,
  type DetectionSource,
  type Severity,
} from '../../domain/constants.js';
import { allowedNextStatuses, restoredComponents } from '../../domain/lifecycle.js';
import { impactFromStatus, worstStatus } from '../../domain/status.js';
import { placeholdersIn } from '../../domain/templates.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { Deps } from '../../deps.js';
import { AppError, ConflictError, NotFoundError } from '../../lib/errors.js';
import { declareFormFromDraft, declareTemplate, presentAlertHistory, presentDraft, type DraftView } from '../../presenters/admin-alerts.js';
import { presentAdminIncident, presentDeliveries, SEVERITY_OPTIONS } from '../../presenters/admin-incident.js';
import { formErrors } from '../../presenters/form-errors.js';
import { formatterFor } from '../../presenters/format.js';
import { startInternalUpdate } from '../../presenters/internal-template.js';
import { presentIncident } from '../../presenters/incident.js';
import {
  applyTemplate,
  carriedPlaceholders,
  chosenComponents,
  COMPONENT_STATUS_OPTIONS,
  emptyFormState,
  filledText,
  formStateFrom,
  placeholderValuesOf,
  suggestNextUpdate,
  type UpdateFormState,
} from '../../presenters/update-form.js';
import { draftOfIncident, findDraft, type DraftDetail } from '../../services/alerts/drafts.js';
import { declareIncident } from '../../services/incidents/declare.js';
import { loadAdminIncident, loadIncidentForm, loadIncidentList, type IncidentFormData } from '../../services/incidents/reads.js';
import { backfillIncident, changeSeverity, deleteUpdate, editUpdate, setDetectionSource } from '../../services/incidents/manage.js';
import { failedDeliveries } from '../../services/notifications/deliveries.js';
import { channelDeliveryCounts } from '../../services/customer-channels/reads.js';
import { presentChannelDeliveries } from '../../presenters/admin-channel-deliveries.js';
import { postUpdate } from '../../services/incidents/post-update.js';
import { postInternalUpdate } from '../../services/incidents/internal-updates.js';
import { setIncidentRoles, updateIncidentLinks } from '../../services/incidents/roles.js';
import { listInternalTemplates } from '../../services/settings/templates.js';
import {
  linksFromForm,
  memberOptions,
  presentInternalUpdates,
  presentPinnedHeader,
  roleFields,
  roleFieldValues,
  roleFieldValuesFrom,
  rolesFromForm,
  type RoleFieldValues,
} from '../../presenters/incident-roles.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

const CADENCE_HINT = 'SEV-1 every 15 min, SEV-2 every 30 min, SEV-3 every 2 h.';
/** The cadence the declare form suggests before a severity is chosen. */
const DEFAULT_SEVERITY: Severity = 2;

/** The services' field keys as the declare and update forms label them. */
const UPDATE_FORM_LABELS: Record<string, string> = {
  title: 'Title',
  severity: 'Severity',
  status: 'Status',
  body: 'Message to customers',
  components: 'Components',
  nextUpdateAt: 'Next update by',
  notify: 'Notify subscribers',
  reason: 'Reason',
};
const BACKFILL_LABELS: Record<string, string> = {
  title: 'Title',
  severity: 'Severity',
  startedAt: 'Started',
  resolvedAt: 'Resolved',
  components: 'Affected components',
  body: 'What happened',
  resolutionBody: 'Resolution',
};
const EDIT_LABELS: Record<string, string> = { body: 'Message' };
/** The roles, links and internal update forms' fields, as labelled. */
const ROLE_LABELS: Record<string, string> = Object.fromEntries(
  INCIDENT_ROLES.flatMap((role) => [[`roles.${role}`, INCIDENT_ROLE_LABELS[role]], [role, INCIDENT_ROLE_LABELS[role]]]),
);
const LINK_LABELS: Record<string, string> = { warRoomUrl: 'War room URL', runbookUrl: 'Runbook URL', dashboardUrl: 'Dashboard URL' };
const INTERNAL_LABELS: Record<string, string> = { body: 'Internal update' };
const DETECTION_LABELS: Record<string, string> = { detectionSource: 'How did we find out?', alertDraftId: 'Alert' };
const DECLARE_LABELS: Record<string, string> = { ...UPDATE_FORM_LABELS, ...ROLE_LABELS, ...LINK_LABELS, ...DETECTION_LABELS };
/** An incident declared without an alert: the team noticed, unless the Comms Lead says otherwise. */
const DEFAULT_DETECTION: DetectionSource = 'internal';
const DETECTION_OPTIONS = DETECTION_SOURCES.map((value) => ({ value, label: DETECTION_SOURCE_LABELS[value] }));
const fieldText = (value: string | string[] | undefined): string => (typeof value === 'string' ? value : '');

/** The delivery page reloads this often while emails are waiting. */
const REFRESH_SECONDS = 3;
/** Failed emails listed on the delivery page (the newest). */
const FAILED_SHOWN = 50;

/** The Comms Lead's incident screens: declare, update, fix, backfill. */
export function incidentRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'incidents:write');
  const errorsOf = (error: AppError) => formErrors(error, UPDATE_FORM_LABELS);

  /** The "next update by" time a form asked for, as an instant and as customers will read it. */
  const nextUpdateOf = (state: UpdateFormState, timeZone: string, now: number) => {
    const at = state.nextUpdate ? nextLocalTime(now, state.nextUpdate, timeZone) : null;
    return { at, text: at === null ? null : formatterFor(timeZone).time(at).text };
  };
  const suggested = (severity: Severity, timeZone: string, now: number): string => {
    const at = suggestedNextUpdate(severity, now);
    return at === null ? '' : formatLocalDateTime(at, timeZone).slice(11);
  };
  const incidentTemplates = (data: IncidentFormData) => data.templates.filter((t) => t.kind === 'incident');

  /** A preview: the incident as the public page would show it with this update on top. */
  const previewOf = (data: IncidentFormData, base: IncidentDetail, state: UpdateFormState, title: string, body: string, status: AnyIncidentStatus, now: number) => {
    const chosen = chosenComponents(state);
    const current = new Map(data.components.map((c) => [c.id, c.status]));
    const detail: IncidentDetail = {
      ...base,
      title,
      status,
      updates: [
        {
          id: 'preview',
          incidentId: base.id,
          status,
          body,
          at: now,
          placeholders: null,
          createdAt: now,
          updatedAt: now,
          componentChanges: chosen.map((c) => ({ componentId: c.componentId, oldStatus: current.get(c.componentId) ?? 'operational', newStatus: c.status })),
        },
        ...base.updates,
      ],
      componentIds: [...new Set([...base.componentIds, ...chosen.map((c) => c.componentId)])],
    };
    const byId = new Map(data.components.map((c) => [c.id, c]));
    return {
      incident: presentIncident(detail, byId, formatterFor(data.settings.timeZone), now),
      unfilled: [...new Set([...placeholdersIn(title), ...placeholdersIn(body)])],
    };
  };

  /** The declare form's roles: the person declaring is Incident Commander and Comms Lead unless they choose otherwise. */
  const declaringRoles = (c: AdminContext): RoleFieldValues => {
    const actor = c.get('actor');
    const me = actor.kind === 'user' ? [{ userId: actor.id, name: '' }] : [];
    return roleFieldValues(me.flatMap((m) => (['incident_commander', 'comms_lead'] as const).map((role) => ({ role, ...m }))));
  };

  /** The draft a declaration starts from, as the declare form shows it. */
  const alertOf = (data: IncidentFormData, draft: DraftDetail | null): DraftView | null =>
    draft && presentDraft(draft, new Map(data.components.map((x) => [x.id, x])), formatterFor(data.settings.timeZone), deps.clock.now());
  /** The draft a submitted declare form names, if it (still) exists. */
  const postedDraft = async (c: AdminContext, id: string): Promise<DraftDetail | null> => {
    if (!id) return null;
    try {
      return await findDraft(deps, c.get('actor'), id);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  };

  const renderNew = async (
    c: AdminContext,
    data: IncidentFormData,
    form: UpdateFormState,
    detection: { draft: DraftDetail | null; source: string },
    extra: Record<string, unknown> = {},
    status: 200 | 400 | 403 | 404 | 409 = 200,
  ) =>
    renderAdmin(c, deps, 'incidents/new', {
      title: 'Declare an incident',
      alert: alertOf(data, detection.draft),
      detectionSource: detection.source,
      detectionOptions: DETECTION_OPTIONS,
      form,
      roleFields: roleFields(declaringRoles(c)),
      members: memberOptions(await deps.repos.accounts.listUsers()),
      links: { war_room_url: '', runbook_url: '', dashboard_url: '' },
      templates: incidentTemplates(data).filter((t) => t.status === 'investigating' || t.status === 'identified'),
      severities: SEVERITY_OPTIONS,
      statusOptions: COMPONENT_STATUS_OPTIONS,
      cadenceHint: `${CADENCE_HINT} Unless you type a time, it follows the severity you choose (on Preview and on Publish).`,
      showRestore: false,
      ...extra,
    }, status);

  app.get('/incidents', read, async (c) => {
    const now = deps.clock.now();
    const data = await loadIncidentList(deps);
    const format = formatterFor(data.settings.timeZone);
    const byId = new Map(data.components.map((x) => [x.id, x]));
    return renderAdmin(c, deps, 'incidents/list', {
      title: 'Incidents',
      open: data.open.map((i) => presentAdminIncident(i, byId, format, now)),
      recent: data.recent.map((i) => presentAdminIncident(i, byId, format, now)),
    });
  });

  app.get('/incidents/new', write, async (c) => {
    const data = await loadIncidentForm(deps);
    let form = emptyFormState(data.components, data.groups);
    const alertId = c.req.query('alert');
    const draft = alertId ? await findDraft(deps, c.get('actor'), alertId) : null;
    // The link in an old chat message: the incident exists already, so go there.
    if (draft?.incidentId) return c.redirect(`/admin/incidents/${draft.incidentId}?from_alert=declared`, 303);
    if (draft) {
      form = declareFormFromDraft(form, draft, data.components, declareTemplate(data.templates, c.req.query('template')));
    } else {
      const template = data.templates.find((t) => t.id === c.req.query('template') && t.kind === 'incident');
      if (template) form = applyTemplate(form, template);
    }
    // The draft's severity's cadence; with none chosen yet, SEV-2's until one is (the submission re-suggests for it).
    const severity = draft?.severity ? (draft.severity as Severity) : DEFAULT_SEVERITY;
    form = suggestNextUpdate(form, suggested(severity, data.settings.timeZone, deps.clock.now()), true);
    return renderNew(c, data, form, { draft, source: draft ? 'alert' : DEFAULT_DETECTION });
  });

  app.post('/incidents/new', write, async (c) => {
    const fields = await formOf(c);
    const now = deps.clock.now();
    const data = await loadIncidentForm(deps);
    const chosenSeverity = Number(fields.severity);
    const severity = (SEVERITIES as readonly number[]).includes(chosenSeverity) ? (chosenSeverity as Severity) : DEFAULT_SEVERITY;
    const form = suggestNextUpdate(formStateFrom(fields, emptyFormState(data.components, data.groups)), suggested(severity, data.settings.timeZone, now));
    const next = nextUpdateOf(form, data.settings.timeZone, now);
    const title = filledText(form, form.title, next.text);
    const body = filledText(form, form.body, next.text);
    const draft = await postedDraft(c, fieldText(fields.alert_draft_id));
    // Sent twice, or declared by someone else meanwhile: the incident exists already.
    if (draft?.incidentId) return c.redirect(`/admin/incidents/${draft.incidentId}?from_alert=declared`, 303);
    const detectionSource = draft ? 'alert' : fieldText(fields.detection_source);
    const detection = { draft, source: detectionSource };
    const typed = {
      roleFields: roleFields(roleFieldValuesFrom(fields)),
      links: { war_room_url: fields.war_room_url ?? '', runbook_url: fields.runbook_url ?? '', dashboard_url: fields.dashboard_url ?? '' },
    };
    if (fields.action === 'preview') {
      const chosen = chosenComponents(form);
      const severity = Number(form.severity) as Severity;
      const base: IncidentDetail = {
        id: 'preview', kind: 'incident', title, severity: severity || null, status: 'investigating',
        impact: chosen.length ? impactFromStatus(worstStatus(chosen.map((x) => x.status))) : 'none',
        startedAt: now, monitoringAt: null, resolvedAt: null, scheduledFor: null, scheduledUntil: null,
        nextUpdateAt: next.at, notify: false, example: false, createdAt: now, updatedAt: now, sequence: 0, warRoomUrl: null, runbookUrl: null, dashboardUrl: null, internalRemindedAt: null,
        detectionSource: null, detectedAt: null, acknowledgedAt: null, acknowledgedBy: null, alertDraftId: null, markerTimes: null, updates: [], componentIds: [],
      };
      return renderNew(c, data, form, detection, { ...typed, preview: previewOf(data, base, form, title, body, 'investigating', now) });
    }
    try {
      const id = await declareIncident(
        deps,
        {
          title,
          severity: Number(form.severity) as Severity,
          body,
          components: chosenComponents(form),
          nextUpdateAt: next.at,
          placeholders: placeholderValuesOf(form),
          ...(form.notify === 'auto' ? {} : { notify: form.notify === 'yes' }),
          // A form without the roles fields (an older page) leaves the defaults to the service.
          ...(INCIDENT_ROLES.some((role) => `role_${role}` in fields) ? { roles: rolesFromForm(fields) } : {}),
          ...linksFromForm(fields),
          // A draft id that no longer exists is refused by the service, by name.
          ...(fieldText(fields.alert_draft_id) ? { alertDraftId: fieldText(fields.alert_draft_id) } : {}),
          ...(detectionSource ? { detectionSource: detectionSource as DetectionSource } : {}),
        },
        c.get('actor'),
      );
      return c.redirect(`/admin/incidents/${id}?published=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const declared = error instanceof ConflictError && draft ? (await postedDraft(c, draft.id))?.incidentId : null;
      if (declared) return c.redirect(`/admin/incidents/${declared}?from_alert=declared`, 303);
      return renderNew(c, data, form, detection, { ...typed, errors: formErrors(error, DECLARE_LABELS) }, error.status as 400);
    }
  });

  const renderShow = async (c: AdminContext, id: string, form: UpdateFormState | null, extra: Record<string, unknown> = {}, status: 200 | 400 | 403 | 404 | 409 = 200) => {
    const now = deps.clock.now();
    const data = await loadAdminIncident(deps, id);
    const byId = new Map(data.components.map((x) => [x.id, x]));
    const incident = presentAdminIncident(data.incident, byId, formatterFor(data.settings.timeZone), now);
    const deliveries = presentDeliveries(await deps.repos.outbox.countsForUpdates(data.incident.updates.map((u) => u.id)));
    const severity = (data.incident.severity ?? 4) as Severity;
    const format = formatterFor(data.settings.timeZone);
    const [roles, internalRows, users, draft] = await Promise.all([
      deps.repos.roles.rolesOf(id),
      deps.repos.roles.internalUpdatesOf(id),
      deps.repos.accounts.listUsers(),
      draftOfIncident(deps, c.get('actor'), data.incident.id),
    ]);
    const pinned = presentPinnedHeader(data.incident, roles, internalRows[0]?.at ?? null, incident.url, format, now);
    const members = memberOptions(users);
    const internalTemplates = data.incident.kind === 'incident' ? await listInternalTemplates(deps, c.get('actor')) : [];
    const startFrom = internalTemplates.find((t) => t.id === c.req.query('internal_template'));
    const cadenceMinutes = internalCadenceTable(data.settings.internalCadence)[severity];
    const internalBody = startFrom
      ? startInternalUpdate(
          startFrom.body,
          {
            ...data.incident,
            roles,
            carried: carriedPlaceholders(data.incident.updates),
            nextInternalAt: cadenceMinutes === null ? null : roundUpToFiveMinutes(now + cadenceMinutes * 60_000),
          },
          format,
          now,
        )
      : '';
    let state = form;
    if (!state) {
      state = suggestNextUpdate({ ...emptyFormState(data.components, data.groups), status: data.incident.status }, suggested(severity, data.settings.timeZone, now), true);
      const template = data.templates.find((t) => t.id === c.req.query('template') && t.kind === data.incident.kind);
      // The values used earlier in the incident ("Impact", "Affected service") carry forward.
      if (template) state = applyTemplate({ ...state, status: template.status }, template, carriedPlaceholders(data.incident.updates));
    }
    return renderAdmin(c, deps, 'incidents/show', {
      title: data.incident.title,
      incident,
      form: state,
      published: c.req.query('published') === '1',
      internalPosted: c.req.query('internal') === '1',
      templates: data.templates.filter((t) => t.kind === data.incident.kind),
      statuses: allowedNextStatuses(data.incident.kind, data.incident.status).map((value) => ({ value, label: INCIDENT_STATUS_LABELS[value] })),
      severities: SEVERITY_OPTIONS,
      statusOptions: COMPONENT_STATUS_OPTIONS,
      cadenceHint: CADENCE_HINT,
      showRestore: data.incident.kind === 'incident',
      deliveries,
      pinned,
      roleFields: roleFields(roleFieldValues(roles, new Set(members.map((m) => m.value)))),
      members,
      links: { war_room_url: data.incident.warRoomUrl ?? '', runbook_url: data.incident.runbookUrl ?? '', dashboard_url: data.incident.dashboardUrl ?? '' },
      internalUpdates: presentInternalUpdates(internalRows, format),
      internalTemplates: internalTemplates.map((t) => ({ id: t.id, name: t.name })),
      internalBody,
      fromAlertDeclared: c.req.query('from_alert') === 'declared',
      alertHistory: presentAlertHistory(draft, data.incident, byId, format, now),
      detection: {
        source: data.incident.detectionSource ?? '',
        sourceLabel: data.incident.detectionSource ? DETECTION_SOURCE_LABELS[data.incident.detectionSource] : null,
        detected: data.incident.detectedAt === null ? null : format.dateTime(data.incident.detectedAt),
        acknowledged: data.incident.acknowledgedAt === null ? null : { at: format.dateTime(data.incident.acknowledgedAt), by: data.incident.acknowledgedBy ?? 'someone' },
      },
      detectionOptions: DETECTION_OPTIONS,
      ...extra,
    }, status);
  };

  app.get('/incidents/backfill', write, async (c) => {
    const data = await loadIncidentForm(deps);
    return renderAdmin(c, deps, 'incidents/backfill', { title: 'Record a past incident', values: { severity: '3' }, components: data.components, severities: SEVERITY_OPTIONS, statusOptions: COMPONENT_STATUS_OPTIONS });
  });

  app.post('/incidents/backfill', write, async (c) => {
    const fields = await formOf(c);
    const data = await loadIncidentForm(deps);
    const text = (key: string): string => (typeof fields[key] === 'string' ? (fields[key] as string) : '');
    const tz = data.settings.timeZone;
    try {
      const id = await backfillIncident(deps, c.get('actor'), {
        title: text('title'),
        severity: Number(text('severity')) as Severity,
        body: text('body'),
        resolutionBody: text('resolution'),
        startedAt: parseLocalDateTime(text('started_at'), tz) ?? Number.NaN,
        resolvedAt: parseLocalDateTime(text('resolved_at'), tz) ?? Number.NaN,
        components: data.components.flatMap((x) => {
          const status = text(`component_${x.id}`);
          return status ? [{ componentId: x.id, status: status as never }] : [];
        }),
      });
      return c.redirect(`/admin/incidents/${id}?published=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderAdmin(c, deps, 'incidents/backfill', { title: 'Record a past incident', values: fields, components: data.components, severities: SEVERITY_OPTIONS, statusOptions: COMPONENT_STATUS_OPTIONS, errors: formErrors(error, BACKFILL_LABELS) }, error.status as 400);
    }
  });

  app.get('/incidents/:id', read, (c) => renderShow(c, c.req.param('id'), null));

  /** Email delivery per update; refreshes itself (meta refresh, no script) while any email is still waiting. */
  app.get('/incidents/:id/deliveries', read, async (c) => {
    const now = deps.clock.now();
    const data = await loadAdminIncident(deps, c.req.param('id'));
    const format = formatterFor(data.settings.timeZone);
    const byId = new Map(data.components.map((x) => [x.id, x]));
    const incident = presentAdminIncident(data.incident, byId, format, now);
    const updateIds = data.incident.updates.map((u) => u.id);
    const deliveries = presentDeliveries(await deps.repos.outbox.countsForUpdates(updateIds));
    const channels = presentChannelDeliveries(await channelDeliveryCounts(deps, c.get('actor'), updateIds));
    const failed = await failedDeliveries(deps, c.get('actor'), data.incident.id, FAILED_SHOWN);
    const updates = incident.updates.flatMap((u) =>
      deliveries[u.id] || channels.has(u.id)
        ? [{ id: u.id, statusLabel: u.statusLabel, at: u.at, delivery: deliveries[u.id] ?? null, channels: channels.get(u.id) ?? null }]
        : [],
    );
    const inProgress = updates.some((u) => u.delivery?.inProgress || u.channels?.inProgress);
    const label = new Map(updates.map((u) => [u.id, `${u.statusLabel} · ${u.at.text}`]));
    return renderAdmin(c, deps, 'incidents/deliveries', {
      title: `Email delivery: ${data.incident.title}`,
      incident,
      updates,
      failedTotal: updates.reduce((sum, u) => sum + (u.delivery?.failed ?? 0), 0),
      failed: failed.map((f) => ({
        email: f.email,
        error: f.error ?? 'no reason given',
        update: label.get(f.updateId) ?? '',
        at: f.failedAt === null ? null : format.dateTime(f.failedAt),
      })),
      inProgress,
      refresh: inProgress ? REFRESH_SECONDS : null,
      refreshSeconds: REFRESH_SECONDS,
      transport: deps.mail?.name ?? null,
      checkedAt: format.time(now),
    });
  });

  app.post('/incidents/:id/updates', write, async (c) => {
    const id = c.req.param('id');
    const fields = await formOf(c);
    const now = deps.clock.now();
    const data = await loadAdminIncident(deps, id);
    const severity = (data.incident.severity ?? 4) as Severity;
    const form = suggestNextUpdate(formStateFrom(fields, emptyFormState(data.components, data.groups)), suggested(severity, data.settings.timeZone, now));
    const next = nextUpdateOf(form, data.settings.timeZone, now);
    const body = filledText(form, form.body, next.text);
    const status = form.status as AnyIncidentStatus;
    const components = chosenComponents(form);
    if (fields.action === 'preview') {
      // The preview shows what the service will do: the same rule, over the same components.
      const current = new Map(data.components.map((x) => [x.id, x.status]));
      const restored = form.restoreComponents ? restoredComponents(status, data.incident.componentIds, current, components) : [];
      const shown = [...components, ...restored];
      return renderShow(c, id, form, { preview: previewOf(data, data.incident, { ...form, components: form.components.map((x) => ({ ...x, chosen: shown.find((k) => k.componentId === x.id)?.status ?? '' })) }, data.incident.title, body, status, now) });
    }
    try {
      await postUpdate(deps, { incidentId: id, status, body, components, nextUpdateAt: next.at, restoreComponents: form.restoreComponents, placeholders: placeholderValuesOf(form) }, c.get('actor'));
      return c.redirect(`/admin/incidents/${id}?published=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderShow(c, id, form, { errors: errorsOf(error) }, error.status as 400);
    }
  });

  app.post('/incidents/:id/severity', write, async (c) => {
    const id = c.req.param('id');
    const fields = await formOf(c);
    try {
      await changeSeverity(deps, c.get('actor'), id, { severity: fields.severity, reason: fields.reason || undefined });
      return c.redirect(`/admin/incidents/${id}`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderShow(c, id, null, { errors: formErrors(error, UPDATE_FORM_LABELS, 'Nothing was saved.') }, error.status as 400);
    }
  });

  app.post('/incidents/:id/roles', write, async (c) => {
    const id = c.req.param('id');
    const fields = await formOf(c);
    try {
      await setIncidentRoles(deps, id, rolesFromForm(fields), c.get('actor'));
      return c.redirect(`/admin/incidents/${id}#roles`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderShow(c, id, null, { roleFields: roleFields(roleFieldValuesFrom(fields)), errors: formErrors(error, ROLE_LABELS, 'Nothing was saved.') }, error.status as 400);
    }
  });

  app.post('/incidents/:id/detection-source', write, async (c) => {
    const id = c.req.param('id');
    const value = fieldText((await formOf(c)).detection_source);
    try {
      await setDetectionSource(deps, c.get('actor'), id, { detectionSource: value === '' ? null : (value as DetectionSource) });
      return c.redirect(`/admin/incidents/${id}#detection`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return renderShow(c, id, null, { errors: formErrors(error, DETECTION_LABELS, 'Nothing was saved.') }, 400);
    }
  });

  app.post('/incidents/:id/links', write, async (c) => {
    const id = c.req.param('id');
    const fields = await formOf(c);
    try {
      await updateIncidentLinks(deps, id, linksFromForm(fields), c.get('actor'));
      return c.redirect(`/admin/incidents/${id}#links`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const links = { war_room_url: fields.war_room_url ?? '', runbook_url: fields.runbook_url ?? '', dashboard_url: fields.dashboard_url ?? '' };
      return renderShow(c, id, null, { links, errors: formErrors(error, LINK_LABELS, 'Nothing was saved.') }, error.status as 400);
    }
  });

  app.post('/incidents/:id/internal-updates', write, async (c) => {
    const id = c.req.param('id');
    const fields = await formOf(c);
    try {
      await postInternalUpdate(deps, id, { body: fields.body }, c.get('actor'));
      return c.redirect(`/admin/incidents/${id}?internal=1#internal`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderShow(c, id, null, { internalBody: typeof fields.body === 'string' ? fields.body : '', errors: formErrors(error, INTERNAL_LABELS, 'Nothing was sent.') }, error.status as 400);
    }
  });

  const updateView = async (c: AdminContext) => {
    const data = await loadAdminIncident(deps, c.req.param('id')!);
    const byId = new Map(data.components.map((x) => [x.id, x]));
    const view = presentIncident(data.incident, byId, formatterFor(data.settings.timeZone), deps.clock.now());
    const update = view.updates.find((u) => u.id === c.req.param('updateId'));
    const raw = data.incident.updates.find((u) => u.id === c.req.param('updateId'));
    if (!update || !raw) throw new NotFoundError('No such update on this incident.');
    return { incidentId: data.incident.id, update, body: raw.body };
  };

  app.get('/incidents/:id/updates/:updateId/edit', write, async (c) =>
    renderAdmin(c, deps, 'incidents/edit-update', { title: 'Fix an update', ...(await updateView(c)) }),
  );
  app.post('/incidents/:id/updates/:updateId/edit', write, async (c) => {
    const fields = await formOf(c);
    try {
      await editUpdate(deps, c.get('actor'), c.req.param('id'), c.req.param('updateId'), { body: fields.body });
      return c.redirect(`/admin/incidents/${c.req.param('id')}`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderAdmin(c, deps, 'incidents/edit-update', { title: 'Fix an update', ...(await updateView(c)), body: fields.body, errors: formErrors(error, EDIT_LABELS, 'Nothing was saved.') }, error.status as 400);
    }
  });
  app.get('/incidents/:id/updates/:updateId/delete', write, async (c) =>
    renderAdmin(c, deps, 'incidents/delete-update', { title: 'Delete an update', ...(await updateView(c)) }),
  );
  app.post('/incidents/:id/updates/:updateId/delete', write, async (c) => {
    try {
      await deleteUpdate(deps, c.get('actor'), c.req.param('id'), c.req.param('updateId'));
      return c.redirect(`/admin/incidents/${c.req.param('id')}`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderAdmin(c, deps, 'incidents/delete-update', { title: 'Delete an update', ...(await updateView(c)), errors: errorsOf(error) }, error.status as 400);
    }
  });

  return app;
}

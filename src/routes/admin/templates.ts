import { Hono } from 'hono';
import {
  INCIDENT_STATUS_LABELS,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  TEMPLATE_AUDIENCES,
  type AnyIncidentStatus,
  type IncidentKind,
  type TemplateAudience,
} from '../../domain/constants.js';
import { placeholdersIn } from '../../domain/templates.js';
import type { TemplateRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';
import {
  createTemplate,
  deleteTemplate,
  findTemplate,
  listTemplates,
  updateTemplate,
  type TemplateInput,
} from '../../services/settings/templates.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

const KINDS: { kind: IncidentKind; label: string; statuses: readonly AnyIncidentStatus[] }[] = [
  { kind: 'incident', label: 'Incidents', statuses: INCIDENT_STATUSES },
  { kind: 'maintenance', label: 'Maintenance', statuses: MAINTENANCE_STATUSES },
];

/** The lifecycle steps a template can be for, as one choice ("incident:investigating"). */
const STEP_OPTIONS = KINDS.map((k) => ({
  label: k.label,
  options: k.statuses.map((status) => ({ value: `${k.kind}:${status}`, label: INCIDENT_STATUS_LABELS[status] })),
}));

const AUDIENCE_OPTIONS: { value: TemplateAudience; label: string }[] = [
  { value: 'public', label: 'Public: the status page, feeds and email' },
  { value: 'internal', label: "Internal: the company's own channels (destinations)" },
];

/** Where a template can be used straight away (first updates of the public page). */
function useHref(t: TemplateRow): string | null {
  if (t.audience !== 'public') return null;
  if (t.kind === 'incident' && (t.status === 'investigating' || t.status === 'identified')) return `/admin/incidents/new?template=${t.id}`;
  if (t.kind === 'maintenance' && t.status === 'scheduled') return `/admin/maintenance/new?template=${t.id}`;
  return null;
}

const NOTICES: Record<string, string> = {
  created: 'Template created.',
  saved: 'Template saved.',
  deleted: 'Template deleted. Updates already written from it keep their text.',
};

const FIELD_LABELS: Record<string, string> = { name: 'Name', audience: 'Audience', kind: 'Lifecycle step', status: 'Lifecycle step', title: 'Title', body: 'Message' };

interface TemplateFormValues {
  name: string;
  audience: string;
  step: string;
  title: string;
  body: string;
}

type Form = Record<string, string | string[]>;
const text = (form: Form, key: string): string => (typeof form[key] === 'string' ? form[key] : '');

function valuesFrom(form: Form): TemplateFormValues {
  return { name: text(form, 'name'), audience: text(form, 'audience'), step: text(form, 'step'), title: text(form, 'title'), body: text(form, 'body') };
}

function inputFrom(values: TemplateFormValues): TemplateInput {
  const [kind, status] = values.step.split(':');
  return {
    name: values.name,
    audience: (values.audience || 'public') as TemplateAudience,
    kind: kind as IncidentKind,
    status: status as AnyIncidentStatus,
    title: values.title,
    body: values.body,
  };
}

function errorsOf(error: AppError): { message: string; fields?: Record<string, string[]> } {
  if (!error.fields) return { message: error.message };
  const fields: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(error.fields)) {
    const label = FIELD_LABELS[key] ?? key;
    fields[label] = [...new Set([...(fields[label] ?? []), ...messages])];
  }
  return { message: 'Nothing was saved. Check the fields below.', fields };
}

/** Update templates: everyone on the team reads them; Comms and above write them. */
export function templateRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'templates:write');

  const renderForm = (
    c: AdminContext,
    template: TemplateRow | null,
    values: TemplateFormValues,
    errors?: { message: string; fields?: Record<string, string[]> },
  ) =>
    renderAdmin(
      c,
      deps,
      'templates/form',
      {
        title: template ? `Edit template: ${template.name}` : 'New template',
        template,
        values,
        placeholders: placeholdersIn(`${values.title}\n${values.body}`),
        steps: STEP_OPTIONS,
        audiences: AUDIENCE_OPTIONS,
        errors,
      },
      errors ? 400 : 200,
    );

  app.get('/templates', read, async (c) => {
    const rows = await listTemplates(deps, c.get('actor'));
    const view = (t: TemplateRow) => ({ ...t, placeholders: placeholdersIn(`${t.title ?? ''}\n${t.body}`), useHref: useHref(t) });
    const groups = KINDS.map((k) => ({
      kind: k.kind,
      label: k.label,
      steps: k.statuses.map((status) => ({
        status,
        label: INCIDENT_STATUS_LABELS[status],
        templates: rows.filter((t) => t.audience === 'public' && t.kind === k.kind && t.status === status).map(view),
      })),
    }));
    const internal = rows
      .filter((t) => t.audience === 'internal')
      .map((t) => ({ ...view(t), stepLabel: INCIDENT_STATUS_LABELS[t.status] }));
    return renderAdmin(c, deps, 'templates/list', {
      title: 'Templates',
      groups,
      internal,
      count: rows.length,
      notice: NOTICES[c.req.query('done') ?? ''] ?? null,
    });
  });

  app.get('/templates/new', write, (c) => {
    const step = c.req.query('step') ?? '';
    const known = STEP_OPTIONS.some((g) => g.options.some((o) => o.value === step));
    const audience = (TEMPLATE_AUDIENCES as readonly string[]).includes(c.req.query('audience') ?? '') ? c.req.query('audience')! : 'public';
    return renderForm(c, null, { name: '', audience, step: known ? step : 'incident:investigating', title: '', body: '' });
  });

  app.post('/templates/new', write, async (c) => {
    const values = valuesFrom(await formOf(c));
    try {
      await createTemplate(deps, c.get('actor'), inputFrom(values));
      return c.redirect('/admin/templates?done=created', 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return renderForm(c, null, values, errorsOf(error));
    }
  });

  app.get('/templates/:id', write, async (c) => {
    const template = await findTemplate(deps, c.get('actor'), c.req.param('id'));
    return renderForm(c, template, {
      name: template.name,
      audience: template.audience,
      step: `${template.kind}:${template.status}`,
      title: template.title ?? '',
      body: template.body,
    });
  });

  app.post('/templates/:id', write, async (c) => {
    const template = await findTemplate(deps, c.get('actor'), c.req.param('id'));
    const values = valuesFrom(await formOf(c));
    try {
      await updateTemplate(deps, c.get('actor'), template.id, inputFrom(values));
      return c.redirect('/admin/templates?done=saved', 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return renderForm(c, template, values, errorsOf(error));
    }
  });

  app.get('/templates/:id/delete', write, async (c) => {
    const template = await findTemplate(deps, c.get('actor'), c.req.param('id'));
    return renderAdmin(c, deps, 'templates/delete', { title: `Delete template: ${template.name}`, template });
  });

  app.post('/templates/:id/delete', write, async (c) => {
    await deleteTemplate(deps, c.get('actor'), c.req.param('id'));
    return c.redirect('/admin/templates?done=deleted', 303);
  });

  return app;
}

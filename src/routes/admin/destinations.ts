import { Hono } from 'hono';
import type { ComponentRow } from '../../db/schema.js';
import { DELIVERY_STATUSES, DESTINATION_TYPE_LABELS, DESTINATION_TYPES, NOTIFICATION_KINDS, SEVERITIES, type DestinationType } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { formatterFor, type Formatter } from '../../presenters/format.js';
import {
  createDestination,
  deleteDestination,
  pauseDestination,
  resumeDestination,
  rotateSigningSecret,
  sendTestMessage,
  updateDestination,
} from '../../services/destinations/manage.js';
import { findDestination, listDestinations, type DeliveryView, type DestinationView } from '../../services/destinations/reads.js';
import { DESTINATION_HOSTS } from '../../services/destinations/urls.js';
import { loadSettings } from '../../services/settings/reads.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

type Form = Record<string, string | string[]>;

const text = (form: Form, key: string): string => (typeof form[key] === 'string' ? form[key] : '');
const list = (form: Form, key: string): string[] => {
  const value = form[key];
  return Array.isArray(value) ? value : typeof value === 'string' && value !== '' ? [value] : [];
};

/** Messages after a write (PRG), by key, so no user text travels in the URL. */
const NOTICES: Record<string, string> = {
  created: 'Destination saved. Send a test message to check that it arrives.',
  saved: 'Destination saved.',
  paused: 'Paused. Nothing new is queued for it until you resume it; what is queued waits.',
  resumed: 'Resumed. Waiting messages go out now, and new incidents reach it again.',
  tested: 'Test message queued. It appears in the delivery log below once sent (refresh in a few seconds).',
  'tested-paused': 'Test message queued. This destination is paused: the test waits in its queue and goes out when you resume it.',
  deleted: 'Destination deleted.',
};

const TYPE_OPTIONS = DESTINATION_TYPES.map((value) => ({
  value,
  label: DESTINATION_TYPE_LABELS[value],
  example: DESTINATION_HOSTS[value]?.example ?? null,
}));

const KIND_LABELS: Record<(typeof NOTIFICATION_KINDS)[number], string> = {
  declaration: 'Declaration',
  update: 'Update',
  severity_change: 'Severity change',
  role_change: 'Role change',
  resolution: 'Resolution',
  reminder: 'Reminder',
  test: 'Test message',
  alert: 'Alert',
  escalation: 'Alert escalation',
  alert_acknowledged: 'Alert acknowledged',
  postmortem_due_soon: 'Postmortem due soon',
  postmortem_overdue: 'Postmortem overdue',
};

const STATUS_LABELS: Record<(typeof DELIVERY_STATUSES)[number], string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
};

interface FormValues {
  name: string;
  type: string;
  url: string;
  allSeverities: boolean;
  severities: string[];
  allComponents: boolean;
  componentIds: string[];
  allowPrivate: boolean;
}

interface FormState {
  values: FormValues;
  errors?: { message: string; fields?: Record<string, string[]> };
}

function valuesOf(form: Form): FormValues {
  return {
    name: text(form, 'name'),
    type: text(form, 'type'),
    url: text(form, 'url'),
    allSeverities: text(form, 'severityScope') !== 'some',
    severities: list(form, 'severities'),
    allComponents: text(form, 'componentScope') !== 'some',
    componentIds: list(form, 'componentIds'),
    allowPrivate: text(form, 'allowPrivate') !== '',
  };
}

/** The form's routing fields in the service's terms ("some" with none ticked is an error the service names). */
function routingOf(values: FormValues) {
  return {
    severities: values.allSeverities ? null : values.severities.map(Number),
    componentIds: values.allComponents ? null : values.componentIds,
  };
}

function errorsOf(error: ValidationError): FormState['errors'] {
  const fields = error.fields && Object.keys(error.fields).some((key) => key !== '_') ? error.fields : undefined;
  return { message: fields ? 'Nothing was saved. Check the fields marked below.' : error.message, fields };
}

/** "SEV-1 and SEV-2 · Payments, Checkout", "Every incident". */
function routingSummary(d: DestinationView, components: readonly ComponentRow[]): string {
  const severities = d.severities ? d.severities.map((s) => `SEV-${s}`).join(', ') : 'every severity';
  const names = d.componentIds ? d.componentIds.map((id) => components.find((c) => c.id === id)?.name ?? 'a deleted component').join(', ') : 'every component';
  return d.severities === null && d.componentIds === null ? 'Every incident' : `${severities} · ${names}`;
}

function presentDelivery(d: DeliveryView, format: Formatter) {
  return {
    ...d,
    kindLabel: KIND_LABELS[d.kind],
    statusLabel: STATUS_LABELS[d.status],
    created: format.dateTime(d.createdAt),
    lastAttempt: d.lastAttemptAt === null ? null : format.dateTime(d.lastAttemptAt),
  };
}

function presentDestination(d: DestinationView, components: readonly ComponentRow[], format: Formatter) {
  return {
    ...d,
    paused: d.pausedAt !== null,
    pausedSince: d.pausedAt === null ? null : format.dateTime(d.pausedAt),
    routing: routingSummary(d, components),
    last: d.lastDelivery ? presentDelivery(d.lastDelivery, format) : null,
  };
}

/** /admin/destinations: the company's own channels. Admins and owners. */
export function destinationRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const guard = requirePermission(deps, 'destinations:manage');

  const context = async () => {
    const [settings, components] = await Promise.all([loadSettings(deps), deps.repos.components.list()]);
    return { format: formatterFor(settings.timeZone), components };
  };

  app.get('/destinations', guard, async (c) => {
    const [rows, { format, components }] = await Promise.all([listDestinations(deps, c.get('actor')), context()]);
    return renderAdmin(c, deps, 'destinations/list', {
      title: 'Destinations',
      notice: NOTICES[c.req.query('done') ?? ''] ?? null,
      destinations: rows.map((d) => presentDestination(d, components, format)),
    });
  });

  const renderForm = async (
    c: AdminContext,
    state: FormState,
    destination: DestinationView | null,
    status: 200 | 400 = 200,
  ) => {
    const components = await deps.repos.components.list();
    return renderAdmin(
      c,
      deps,
      'destinations/form',
      {
        title: destination ? `Edit ${destination.name}` : 'New destination',
        destination,
        form: state,
        types: TYPE_OPTIONS,
        severities: SEVERITIES.map((s) => ({ value: String(s), label: `SEV-${s}` })),
        components: components.map((x) => ({ id: x.id, name: x.name })),
      },
      status,
    );
  };

  const emptyValues: FormValues = {
    name: '',
    type: 'slack',
    url: '',
    allSeverities: true,
    severities: [],
    allComponents: true,
    componentIds: [],
    allowPrivate: false,
  };

  app.get('/destinations/new', guard, (c) => renderForm(c, { values: emptyValues }, null));

  const showSecret = (c: AdminContext, id: string, name: string, secret: string, created: boolean) =>
    renderAdmin(c, deps, 'destinations/secret', { title: created ? 'Destination saved' : 'New signing secret', id, name, secret, created });

  app.post('/destinations/new', guard, async (c) => {
    const values = valuesOf(await formOf(c));
    try {
      const saved = await createDestination(deps, c.get('actor'), {
        name: values.name,
        type: values.type as DestinationType,
        url: values.url,
        ...routingOf(values),
        allowPrivate: values.allowPrivate,
      });
      if (saved.signingSecret) return await showSecret(c, saved.id, values.name.trim(), saved.signingSecret, true);
      return c.redirect(`/admin/destinations/${saved.id}?done=created`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // A URL is a secret, like a password: never written back into the page.
      return renderForm(c, { values: { ...values, url: '' }, errors: errorsOf(error) }, null, 400);
    }
  });

  app.get('/destinations/:id', guard, async (c) => {
    const [{ destination, deliveries }, { format, components }] = await Promise.all([
      findDestination(deps, c.get('actor'), c.req.param('id')),
      context(),
    ]);
    return renderAdmin(c, deps, 'destinations/show', {
      title: destination.name,
      notice: NOTICES[c.req.query('done') ?? ''] ?? null,
      destination: presentDestination(destination, components, format),
      deliveries: deliveries.map((d) => presentDelivery(d, format)),
    });
  });

  app.get('/destinations/:id/edit', guard, async (c) => {
    const { destination } = await findDestination(deps, c.get('actor'), c.req.param('id'));
    const values: FormValues = {
      name: destination.name,
      type: destination.type,
      url: '',
      allSeverities: destination.severities === null,
      severities: (destination.severities ?? []).map(String),
      allComponents: destination.componentIds === null,
      componentIds: destination.componentIds ?? [],
      allowPrivate: destination.allowPrivate,
    };
    return renderForm(c, { values }, destination);
  });

  app.post('/destinations/:id/edit', guard, async (c) => {
    const id = c.req.param('id');
    const values = valuesOf(await formOf(c));
    try {
      const saved = await updateDestination(deps, c.get('actor'), id, {
        name: values.name,
        type: values.type as DestinationType,
        // Blank keeps the saved URL.
        ...(values.url.trim() ? { url: values.url } : {}),
        ...routingOf(values),
        allowPrivate: values.allowPrivate,
      });
      if (saved.signingSecret) return await showSecret(c, id, values.name.trim(), saved.signingSecret, true);
      return c.redirect(`/admin/destinations/${id}?done=saved`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { destination } = await findDestination(deps, c.get('actor'), id);
      return renderForm(c, { values: { ...values, url: '' }, errors: errorsOf(error) }, destination, 400);
    }
  });

  app.post('/destinations/:id/test', guard, async (c) => {
    const id = c.req.param('id');
    const { paused } = await sendTestMessage(deps, c.get('actor'), id);
    return c.redirect(`/admin/destinations/${id}?done=${paused ? 'tested-paused' : 'tested'}#log`, 303);
  });

  app.post('/destinations/:id/pause', guard, async (c) => {
    const id = c.req.param('id');
    await pauseDestination(deps, c.get('actor'), id);
    return c.redirect(`/admin/destinations/${id}?done=paused`, 303);
  });

  app.post('/destinations/:id/resume', guard, async (c) => {
    const id = c.req.param('id');
    await resumeDestination(deps, c.get('actor'), id);
    return c.redirect(`/admin/destinations/${id}?done=resumed`, 303);
  });

  app.post('/destinations/:id/rotate-secret', guard, async (c) => {
    const id = c.req.param('id');
    const secret = await rotateSigningSecret(deps, c.get('actor'), id);
    const { destination } = await findDestination(deps, c.get('actor'), id);
    return showSecret(c, id, destination.name, secret, false);
  });

  app.get('/destinations/:id/delete', guard, async (c) => {
    const { destination, deliveries } = await findDestination(deps, c.get('actor'), c.req.param('id'));
    return renderAdmin(c, deps, 'destinations/delete', {
      title: `Delete ${destination.name}`,
      destination,
      logged: deliveries.length,
    });
  });

  app.post('/destinations/:id/delete', guard, async (c) => {
    await deleteDestination(deps, c.get('actor'), c.req.param('id'));
    return c.redirect('/admin/destinations?done=deleted', 303);
  });

  return app;
}

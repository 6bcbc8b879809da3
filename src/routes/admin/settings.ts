import { Hono } from 'hono';
import type { SettingsRow } from '../../db/schema.js';
import { DEFAULT_INTERNAL_CADENCE, INTERNAL_CADENCE_MAX, INTERNAL_CADENCE_MIN, internalCadenceTable } from '../../domain/cadence.js';
import { SEVERITIES } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { loadSettings } from '../../services/settings/reads.js';
import { updateSettings } from '../../services/settings/update.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

type Form = Record<string, string | string[]>;
const text = (form: Form, key: string): string => (typeof form[key] === 'string' ? form[key] : '');

const FIELDS = ['name', 'url', 'timeZone', 'logoUrl', 'accentColor'] as const;
type Values = Record<(typeof FIELDS)[number], string> & {
  /** Minutes per severity as typed ("" for none), keyed by the field name the errors use ("internalCadence.1"). */
  cadence: Record<string, string>;
  internalReminders: boolean;
};

/** The internal cadence fields, one per severity, named as the service names their errors. */
const CADENCE_FIELDS = SEVERITIES.map((severity) => ({
  severity,
  name: `internalCadence.${severity}`,
  id: `internal-cadence-${severity}`,
  label: `SEV-${severity}`,
  fallback: DEFAULT_INTERNAL_CADENCE[severity],
}));

/** IANA zone names for the time zone field's suggestions (a plain text field without them). */
let zones: string[] | undefined;
function timeZones(): string[] {
  if (zones) return zones;
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  zones = ['UTC', ...(supported ? supported('timeZone').filter((zone) => zone !== 'UTC') : [])];
  return zones;
}

const valuesOf = (settings: SettingsRow): Values => ({
  name: settings.name,
  url: settings.url,
  timeZone: settings.timeZone,
  logoUrl: settings.logoUrl ?? '',
  accentColor: settings.accentColor,
  cadence: cadenceValues(settings),
  internalReminders: settings.internalReminders,
});

function cadenceValues(settings: SettingsRow): Record<string, string> {
  const table = internalCadenceTable(settings.internalCadence);
  return Object.fromEntries(CADENCE_FIELDS.map((f) => [f.name, table[f.severity] === null ? '' : String(table[f.severity])]));
}

/** The page settings: name, address, time zone, logo and accent colour; the internal update rhythm and its reminders. */
export function settingsRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  const render = async (
    c: AdminContext,
    form: { values: Values; errors?: { message: string; fields?: Record<string, string[]> } } | null,
    status: 200 | 400 = 200,
  ) => {
    const settings = await loadSettings(deps);
    return renderAdmin(
      c,
      deps,
      'settings',
      {
        title: 'Page settings',
        notice: c.req.query('done') === 'saved' ? 'Settings saved. The public page shows them now.' : null,
        current: valuesOf(settings),
        publicUrlConfigured: deps.config.publicUrl ?? null,
        timeZones: timeZones(),
        cadenceFields: CADENCE_FIELDS,
        cadenceRange: { min: INTERNAL_CADENCE_MIN, max: INTERNAL_CADENCE_MAX },
        form: form ?? { values: valuesOf(settings) },
      },
      status,
    );
  };

  // Like the navigation: the settings page is for those who may change it (admins, owners).
  app.get('/settings', requirePermission(deps, 'settings:write'), (c) => render(c, null));

  app.post('/settings', requirePermission(deps, 'settings:write'), async (c) => {
    const form = await formOf(c);
    const current = valuesOf(await loadSettings(deps));
    // A form without the cadence fields (an older page still open) leaves the internal rhythm as it is.
    const hasCadence = CADENCE_FIELDS.some((f) => f.name in form);
    const values: Values = {
      ...(Object.fromEntries(FIELDS.map((field) => [field, text(form, field)])) as Record<(typeof FIELDS)[number], string>),
      cadence: hasCadence ? Object.fromEntries(CADENCE_FIELDS.map((f) => [f.name, text(form, f.name)])) : current.cadence,
      internalReminders: hasCadence ? text(form, 'internalReminders') === 'on' : current.internalReminders,
    };
    try {
      const { cadence, internalReminders, ...page } = values;
      await updateSettings(deps, c.get('actor'), {
        ...page,
        ...(hasCadence
          ? { internalCadence: Object.fromEntries(CADENCE_FIELDS.map((f) => [f.severity, cadence[f.name] ?? ''])), internalReminders }
          : {}),
      });
      return c.redirect('/admin/settings?done=saved', 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const fields = error.fields && Object.keys(error.fields).some((key) => key !== '_') ? error.fields : undefined;
      return render(c, { values, errors: { message: fields ? 'Nothing was saved. Check the fields marked below.' : error.message, fields } }, 400);
    }
  });

  return app;
}

import { Hono } from 'hono';
import type { SettingsRow } from '../../db/schema.js';
import { DEFAULT_INTERNAL_CADENCE, INTERNAL_CADENCE_MAX, INTERNAL_CADENCE_MIN, internalCadenceTable } from '../../domain/cadence.js';
import { SEVERITIES } from '../../domain/constants.js';
import { ROLE_LABELS } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { ALERT_ESCALATION_MAX, ALERT_ESCALATION_MIN, escalationCandidates } from '../../services/settings/escalation.js';
import { loadSettings } from '../../services/settings/reads.js';
import { DISABLE_AFTER_MAX, DISABLE_AFTER_MIN, FLAP_WINDOW_MAX, FLAP_WINDOW_MIN, updateSettings } from '../../services/settings/update.js';
import { DEFAULT_POSTMORTEM_TEMPLATE, POSTMORTEM_PLACEHOLDERS, postmortemDueTable } from '../../services/postmortems/postmortems.js';
import { DEFAULT_POSTMORTEM_DUE_HOURS } from '../../domain/postmortem.js';
import { POSTMORTEM_DUE_MAX_HOURS, POSTMORTEM_DUE_MIN_HOURS } from '../../services/settings/postmortem-settings.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

type Form = Record<string, string | string[]>;
const text = (form: Form, key: string): string => (typeof form[key] === 'string' ? form[key] : '');

const FIELDS = ['name', 'url', 'timeZone', 'logoUrl', 'accentColor'] as const;
type Values = Record<(typeof FIELDS)[number], string> & {
  /** Minutes per severity as typed ("" for none), keyed by the field name the errors use ("internalCadence.1"). */
  cadence: Record<string, string>;
  internalReminders: boolean;
  /** Alert escalation: minutes as typed, whom to email (every owner, or the members checked). */
  escalation: { minutes: string; to: 'owners' | 'members'; userIds: string[] };
  /** Postmortem due hours per severity as typed ("" for not required), keyed by field name ("postmortemDueHours.1"). */
  dueHours: Record<string, string>;
  /** The postmortem template as typed (the default's text when the page uses the default). */
  template: string;
  /** Component status notifications: on or off, the flap window (seconds) and the disabling delay (hours) as typed. */
  channels: { componentNotifications: boolean; flapWindow: string; disableAfter: string };
};

/** The internal cadence fields, one per severity, named as the service names their errors. */
const CADENCE_FIELDS = SEVERITIES.map((severity) => ({
  severity,
  name: `internalCadence.${severity}`,
  id: `internal-cadence-${severity}`,
  label: `SEV-${severity}`,
  fallback: DEFAULT_INTERNAL_CADENCE[severity],
}));

/** The postmortem due fields, one per severity, named as the service names their errors. */
const DUE_FIELDS = SEVERITIES.map((severity) => ({
  severity,
  name: `postmortemDueHours.${severity}`,
  id: `postmortem-due-${severity}`,
  label: `SEV-${severity}`,
  fallback: DEFAULT_POSTMORTEM_DUE_HOURS[severity],
}));

function dueValues(settings: SettingsRow): Record<string, string> {
  const table = postmortemDueTable(settings.postmortemDueHours);
  return Object.fromEntries(DUE_FIELDS.map((f) => [f.name, table[f.severity] === null ? '' : String(table[f.severity])]));
}

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
  escalation: {
    minutes: String(settings.alertEscalationMinutes),
    to: settings.alertEscalationUserIds === null ? 'owners' : 'members',
    userIds: settings.alertEscalationUserIds ?? [],
  },
  dueHours: dueValues(settings),
  template: settings.postmortemTemplate ?? DEFAULT_POSTMORTEM_TEMPLATE,
  channels: {
    componentNotifications: settings.componentNotifications,
    flapWindow: String(settings.componentFlapWindowSeconds),
    disableAfter: String(settings.channelDisableAfterHours),
  },
});

const list = (form: Form, key: string): string[] => {
  const value = form[key];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
};

/** The escalation fields as posted; a form without them (an older page still open) keeps the current ones. */
function escalationValues(form: Form, current: Values['escalation']): { values: Values['escalation']; sent: boolean } {
  if (!('alertEscalationMinutes' in form)) return { values: current, sent: false };
  return {
    values: {
      minutes: text(form, 'alertEscalationMinutes'),
      to: text(form, 'alertEscalationTo') === 'members' ? 'members' : 'owners',
      userIds: list(form, 'alertEscalationUserIds'),
    },
    sent: true,
  };
}

/** Errors on one listed id ("alertEscalationUserIds.2") are shown on the list as a whole. */
function errorFields(fields: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [key, messages] of Object.entries(fields)) {
    const name = key.startsWith('alertEscalationUserIds.') ? 'alertEscalationUserIds' : key;
    (out[name] ??= []).push(...messages);
  }
  return out;
}

function cadenceValues(settings: SettingsRow): Record<string, string> {
  const table = internalCadenceTable(settings.internalCadence);
  return Object.fromEntries(CADENCE_FIELDS.map((f) => [f.name, table[f.severity] === null ? '' : String(table[f.severity])]));
}

/**
 * The page settings: name, address, time zone, logo and accent colour; the
 * internal update rhythm and its reminders; alert escalation; postmortem
 * due hours and template; component status notifications and the disabling
 * of failing webhook and chat subscribers.
 */
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
        notice:
          c.req.query('done') === 'saved'
            ? 'Settings saved. The public page shows them now.'
            : c.req.query('done') === 'template-reset'
              ? "Settings saved, and the postmortem template is Herald's default again."
              : null,
        current: valuesOf(settings),
        publicUrlConfigured: deps.config.publicUrl ?? null,
        timeZones: timeZones(),
        cadenceFields: CADENCE_FIELDS,
        cadenceRange: { min: INTERNAL_CADENCE_MIN, max: INTERNAL_CADENCE_MAX },
        escalationRange: { min: ALERT_ESCALATION_MIN, max: ALERT_ESCALATION_MAX },
        dueFields: DUE_FIELDS,
        dueRange: { min: POSTMORTEM_DUE_MIN_HOURS, max: POSTMORTEM_DUE_MAX_HOURS },
        flapRange: { min: FLAP_WINDOW_MIN, max: FLAP_WINDOW_MAX },
        disableRange: { min: DISABLE_AFTER_MIN, max: DISABLE_AFTER_MAX },
        templateIsDefault: settings.postmortemTemplate === null,
        templatePlaceholders: POSTMORTEM_PLACEHOLDERS,
        escalationMembers: (await escalationCandidates(deps, c.get('actor'))).map((m) => ({ ...m, roleLabel: ROLE_LABELS[m.role] })),
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
    const escalation = escalationValues(form, current.escalation);
    // Likewise for the postmortem fields; "reset" puts Herald's default template back.
    const hasPostmortem = DUE_FIELDS.some((f) => f.name in form) || 'postmortemTemplate' in form;
    const resetTemplate = text(form, 'postmortemTemplateReset') === '1';
    // Likewise for the component notification fields.
    const hasChannels = 'componentFlapWindowSeconds' in form || 'channelDisableAfterHours' in form;
    const values: Values = {
      ...(Object.fromEntries(FIELDS.map((field) => [field, text(form, field)])) as Record<(typeof FIELDS)[number], string>),
      cadence: hasCadence ? Object.fromEntries(CADENCE_FIELDS.map((f) => [f.name, text(form, f.name)])) : current.cadence,
      internalReminders: hasCadence ? text(form, 'internalReminders') === 'on' : current.internalReminders,
      escalation: escalation.values,
      dueHours: hasPostmortem ? Object.fromEntries(DUE_FIELDS.map((f) => [f.name, text(form, f.name)])) : current.dueHours,
      template: resetTemplate ? DEFAULT_POSTMORTEM_TEMPLATE : hasPostmortem ? text(form, 'postmortemTemplate') : current.template,
      channels: hasChannels
        ? {
            componentNotifications: text(form, 'componentNotifications') === 'on',
            flapWindow: text(form, 'componentFlapWindowSeconds'),
            disableAfter: text(form, 'channelDisableAfterHours'),
          }
        : current.channels,
    };
    try {
      const { cadence, internalReminders, escalation: chosen, dueHours, template, channels, ...page } = values;
      await updateSettings(deps, c.get('actor'), {
        ...page,
        ...(hasCadence
          ? { internalCadence: Object.fromEntries(CADENCE_FIELDS.map((f) => [f.severity, cadence[f.name] ?? ''])), internalReminders }
          : {}),
        ...(escalation.sent
          ? { alertEscalationMinutes: chosen.minutes, alertEscalationUserIds: chosen.to === 'owners' ? null : chosen.userIds }
          : {}),
        ...(hasPostmortem
          ? {
              postmortemDueHours: Object.fromEntries(DUE_FIELDS.map((f) => [f.severity, dueHours[f.name] ?? ''])),
              postmortemTemplate: resetTemplate ? null : template,
            }
          : {}),
        ...(hasChannels
          ? {
              componentNotifications: channels.componentNotifications,
              componentFlapWindowSeconds: channels.flapWindow,
              channelDisableAfterHours: channels.disableAfter,
            }
          : {}),
      });
      return c.redirect(`/admin/settings?done=${resetTemplate ? 'template-reset' : 'saved'}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const fields = error.fields && Object.keys(error.fields).some((key) => key !== '_') ? errorFields(error.fields) : undefined;
      return render(c, { values, errors: { message: fields ? 'Nothing was saved. Check the fields marked below.' : error.message, fields } }, 400);
    }
  });

  return app;
}

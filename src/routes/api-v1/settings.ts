import { z } from 'zod';
import { presentApiSettings } from '../../presenters/api-v1.js';
import { loadSettings } from '../../services/settings/reads.js';
import { ALERT_ESCALATION_MAX, ALERT_ESCALATION_MIN, ESCALATION_LIST_MAX, ESCALATION_MINUTES_MESSAGE } from '../../services/settings/escalation.js';
import {
  CADENCE_MESSAGE,
  DISABLE_AFTER_MAX,
  DISABLE_AFTER_MESSAGE,
  DISABLE_AFTER_MIN,
  FLAP_WINDOW_MAX,
  FLAP_WINDOW_MESSAGE,
  FLAP_WINDOW_MIN,
  updateSettings,
} from '../../services/settings/update.js';
import {
  POSTMORTEM_DUE_MAX_HOURS,
  POSTMORTEM_DUE_MESSAGE,
  POSTMORTEM_DUE_MIN_HOURS,
  POSTMORTEM_TEMPLATE_MAX,
} from '../../services/settings/postmortem-settings.js';
import { operation, type Operation } from './registry.js';
import { SettingsModel } from './schemas.js';

const Minutes = z
  .number({ error: CADENCE_MESSAGE })
  .int({ error: CADENCE_MESSAGE })
  .min(5, { error: CADENCE_MESSAGE })
  .max(1440, { error: CADENCE_MESSAGE })
  .nullable()
  .optional();

const Hours = z
  .number({ error: POSTMORTEM_DUE_MESSAGE })
  .int({ error: POSTMORTEM_DUE_MESSAGE })
  .min(POSTMORTEM_DUE_MIN_HOURS, { error: POSTMORTEM_DUE_MESSAGE })
  .max(POSTMORTEM_DUE_MAX_HOURS, { error: POSTMORTEM_DUE_MESSAGE })
  .nullable()
  .optional();

const SettingsBody = z.strictObject({
  name: z.string().max(100).optional().describe('Page name'),
  url: z
    .string()
    .max(500)
    .optional()
    .describe('The public http(s) address of the page; "" to use PUBLIC_URL or the address it is visited at'),
  time_zone: z.string().max(100).optional().describe('IANA time zone, such as Europe/Berlin or UTC'),
  logo_url: z.string().max(2000).nullable().optional().describe('An https image address; null or "" for no logo'),
  accent_color: z.string().max(20).optional().describe('A colour like #2563eb'),
  internal_cadence: z
    .strictObject({ 1: Minutes, 2: Minutes, 3: Minutes, 4: Minutes }, { error: 'must map severities "1" to "4" to minutes, or be null' })
    .nullable()
    .optional()
    .describe(
      'Minutes between internal updates per severity ("1" to "4"; whole minutes 5 to 1440, null for none). A severity not sent keeps its value; null resets all to the defaults (15, 30, 120, none)',
    ),
  internal_reminders: z
    .boolean()
    .optional()
    .describe("Remind the incident's Comms Lead (email) and the destinations when an internal update is late"),
  alert_escalation_minutes: z
    .number({ error: ESCALATION_MINUTES_MESSAGE })
    .int({ error: ESCALATION_MINUTES_MESSAGE })
    .min(ALERT_ESCALATION_MIN, { error: ESCALATION_MINUTES_MESSAGE })
    .max(ALERT_ESCALATION_MAX, { error: ESCALATION_MINUTES_MESSAGE })
    .optional()
    .describe(
      `Minutes (${ALERT_ESCALATION_MIN} to ${ALERT_ESCALATION_MAX}) an alert draft suggesting SEV-1 or SEV-2 may stay unacknowledged before it is announced again to the destinations and emailed to the escalation list`,
    ),
  alert_escalation_user_ids: z
    .array(z.string().max(64), { error: 'must be a list of member ids, or null for every owner' })
    .max(ESCALATION_LIST_MAX)
    .nullable()
    .optional()
    .describe(
      'The members (ids of Comms members and above) emailed when an alert draft is escalated; null: every owner; []: nobody (the destinations still hear of it). Disabled accounts are skipped',
    ),
  postmortem_due_hours: z
    .strictObject({ 1: Hours, 2: Hours, 3: Hours, 4: Hours }, { error: 'must map severities "1" to "4" to hours, or be null' })
    .nullable()
    .optional()
    .describe(
      `Hours from resolution to the postmortem's due date per severity ("1" to "4"; whole hours ${POSTMORTEM_DUE_MIN_HOURS} to ${POSTMORTEM_DUE_MAX_HOURS}, null: no postmortem required). A severity not sent keeps its value; null resets all to the defaults (48, 72, 168, none)`,
    ),
  postmortem_template: z
    .string()
    .max(POSTMORTEM_TEMPLATE_MAX)
    .nullable()
    .optional()
    .describe("The Markdown a new postmortem starts from, with {{placeholders}}; null or \"\" for Herald's default"),
  component_notifications: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .describe('Tell subscribers when a component changes status outside an incident (webhook and chat subscribers, and email subscribers who opted in)'),
  component_flap_window_seconds: z
    .number({ error: FLAP_WINDOW_MESSAGE })
    .int({ error: FLAP_WINDOW_MESSAGE })
    .min(FLAP_WINDOW_MIN, { error: FLAP_WINDOW_MESSAGE })
    .max(FLAP_WINDOW_MAX, { error: FLAP_WINDOW_MESSAGE })
    .optional()
    .describe(`Seconds (${FLAP_WINDOW_MIN} to ${FLAP_WINDOW_MAX}) a component change waits: reverted within them, nothing is sent`),
  channel_disable_after_hours: z
    .number({ error: DISABLE_AFTER_MESSAGE })
    .int({ error: DISABLE_AFTER_MESSAGE })
    .min(DISABLE_AFTER_MIN, { error: DISABLE_AFTER_MESSAGE })
    .max(DISABLE_AFTER_MAX, { error: DISABLE_AFTER_MESSAGE })
    .optional()
    .describe(`Hours (${DISABLE_AFTER_MIN} to ${DISABLE_AFTER_MAX}) a webhook or chat subscriber may keep failing without a success before it is disabled`),
});

export function settingsOperations(): Operation[] {
  return [
    operation({
      operationId: 'getSettings',
      method: 'get',
      path: '/settings',
      tag: 'Settings',
      summary: 'Get the page settings',
      permission: 'admin:read',
      response: SettingsModel,
      async run({ deps }) {
        return presentApiSettings(await loadSettings(deps));
      },
    }),
    operation({
      operationId: 'updateSettings',
      method: 'patch',
      path: '/settings',
      tag: 'Settings',
      summary: 'Update the page settings',
      description: 'Only the fields sent change; each is validated as in the admin settings form.',
      permission: 'settings:write',
      body: SettingsBody,
      response: SettingsModel,
      async run({ deps, actor, body }) {
        const current = await loadSettings(deps);
        const saved = await updateSettings(deps, actor, {
          name: body.name ?? current.name,
          url: body.url ?? current.url,
          timeZone: body.time_zone ?? current.timeZone,
          logoUrl: body.logo_url === undefined ? (current.logoUrl ?? '') : (body.logo_url ?? ''),
          accentColor: body.accent_color ?? current.accentColor,
          internalCadence: body.internal_cadence,
          internalReminders: body.internal_reminders,
          alertEscalationMinutes: body.alert_escalation_minutes,
          alertEscalationUserIds: body.alert_escalation_user_ids,
          postmortemDueHours: body.postmortem_due_hours,
          postmortemTemplate: body.postmortem_template,
          componentNotifications: body.component_notifications,
          componentFlapWindowSeconds: body.component_flap_window_seconds,
          channelDisableAfterHours: body.channel_disable_after_hours,
        });
        return presentApiSettings(saved);
      },
    }),
  ];
}

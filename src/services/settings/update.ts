import { z } from 'zod';
import type { SettingsPatch } from '../../db/repos/settings-repo.js';
import type { SettingsRow } from '../../db/schema.js';
import { isValidTimeZone } from '../../domain/calendar.js';
import { INTERNAL_CADENCE_MAX, INTERNAL_CADENCE_MIN, internalCadenceTable } from '../../domain/cadence.js';
import { SEVERITIES, type Severity } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput } from '../validation.js';
import { assertEscalationMembers, EscalationMinutes, EscalationUserIds } from './escalation.js';
import { nextDueHours, PostmortemDueHoursInput, PostmortemTemplateInput } from './postmortem-settings.js';
import { postmortemDueTable } from '../postmortems/postmortems.js';
import { loadSettings } from './reads.js';

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

/** The page's address: http(s), no query, fragment or credentials, kept without a trailing slash. */
const PageUrl = z
  .string()
  .trim()
  .max(500)
  .transform((text, ctx) => {
    if (text === '') return '';
    const url = parseUrl(text, ['http:', 'https:']);
    if (!url || url.search || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) address such as https://status.example.com' });
      return z.NEVER;
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  });

const LogoUrl = z
  .string()
  .trim()
  .max(2000)
  .transform((text, ctx) => {
    if (text === '') return null;
    const url = parseUrl(text, ['https:']);
    if (!url) {
      ctx.addIssue({ code: 'custom', message: 'must be an https address of an image, or empty for no logo' });
      return z.NEVER;
    }
    return url.href;
  });

export const CADENCE_MESSAGE = `must be whole minutes from ${INTERNAL_CADENCE_MIN} to ${INTERNAL_CADENCE_MAX}, or empty for no internal cadence`;

/** Minutes between internal updates for one severity: a whole number in range, or empty / null for none. */
const CadenceMinutes = z
  .union([z.number(), z.string(), z.null()], { error: CADENCE_MESSAGE })
  .transform((value, ctx): number | null => {
    if (value === null) return null;
    const text = String(value).trim();
    if (text === '') return null;
    const minutes = Number(text);
    if (!/^\d+$/.test(text) || minutes < INTERNAL_CADENCE_MIN || minutes > INTERNAL_CADENCE_MAX) {
      ctx.addIssue({ code: 'custom', message: CADENCE_MESSAGE });
      return z.NEVER;
    }
    return minutes;
  });

/**
 * The internal cadence per severity ("1".."4"); a severity not sent keeps its
 * current value. null: back to the defaults (SEV-1 15 min, SEV-2 30, SEV-3 120, SEV-4 none).
 */
export const InternalCadenceInput = z
  .strictObject(
    { 1: CadenceMinutes.optional(), 2: CadenceMinutes.optional(), 3: CadenceMinutes.optional(), 4: CadenceMinutes.optional() },
    { error: 'must map severities 1 to 4 to minutes' },
  )
  .nullable();

export const FLAP_WINDOW_MIN = 10;
export const FLAP_WINDOW_MAX = 3600;
export const DISABLE_AFTER_MIN = 1;
export const DISABLE_AFTER_MAX = 720;
export const FLAP_WINDOW_MESSAGE = `must be whole seconds from ${FLAP_WINDOW_MIN} to ${FLAP_WINDOW_MAX}`;
export const DISABLE_AFTER_MESSAGE = `must be whole hours from ${DISABLE_AFTER_MIN} to ${DISABLE_AFTER_MAX}`;

/** A whole number in a range, as a number (API) or as typed in a form field. */
function wholeNumberIn(min: number, max: number, message: string) {
  return z.union([z.number(), z.string()], { error: message }).transform((value, ctx): number => {
    const text = String(value).trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return n;
  });
}

export const FlapWindowSeconds = wholeNumberIn(FLAP_WINDOW_MIN, FLAP_WINDOW_MAX, FLAP_WINDOW_MESSAGE);
export const DisableAfterHours = wholeNumberIn(DISABLE_AFTER_MIN, DISABLE_AFTER_MAX, DISABLE_AFTER_MESSAGE);

export const UpdateSettingsInput = z.object({
  name: z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
  /** The page's public address; empty to use PUBLIC_URL or the address it is visited at. */
  url: PageUrl,
  timeZone: z
    .string()
    .trim()
    .refine((zone) => zone !== '' && isValidTimeZone(zone), { error: 'must be an IANA time zone such as Europe/Berlin or UTC' })
    .transform(canonicalZone),
  /** An https image address, or empty for none (the page then shows its name). */
  logoUrl: LogoUrl,
  accentColor: z
    .string()
    .trim()
    .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { error: 'must be a colour like #2563eb or #26e' })
    .transform((colour) => colour.toLowerCase()),
  /** Left out: unchanged. */
  internalCadence: InternalCadenceInput.optional(),
  /** Remind the Comms Lead and the destinations when an internal update is late. Left out: unchanged. */
  internalReminders: z.boolean({ error: 'must be true or false' }).optional(),
  /** Minutes a draft suggesting SEV-1/2 may stay unacknowledged before it is escalated (1..120). Left out: unchanged. */
  alertEscalationMinutes: EscalationMinutes.optional(),
  /** The members emailed on escalation (Comms and above); null: every owner. Left out: unchanged. */
  alertEscalationUserIds: EscalationUserIds.optional(),
  /** Hours from resolution to a postmortem's due date per severity (empty: none required); null: the defaults. Left out: unchanged. */
  postmortemDueHours: PostmortemDueHoursInput.optional(),
  /** The Markdown a new postmortem starts from; "" or null: Herald's default. Left out: unchanged. */
  postmortemTemplate: PostmortemTemplateInput.optional(),
  /** Tell subscribers of component status changes outside incidents. Left out: unchanged. */
  componentNotifications: z.boolean({ error: 'must be true or false' }).optional(),
  /** A component change reverted within this many seconds sends nothing (10..3600). Left out: unchanged. */
  componentFlapWindowSeconds: FlapWindowSeconds.optional(),
  /** Hours a webhook or chat subscriber may fail without a success before it is disabled (1..720). Left out: unchanged. */
  channelDisableAfterHours: DisableAfterHours.optional(),
});
export type UpdateSettingsInput = z.input<typeof UpdateSettingsInput>;

function parseUrl(text: string, protocols: readonly string[]): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (!protocols.includes(url.protocol) || !url.hostname || url.username || url.password) return null;
  return url;
}

/** "europe/berlin" -> "Europe/Berlin", as the runtime spells it. */
function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}

const FIELDS = ['name', 'url', 'timeZone', 'logoUrl', 'accentColor'] as const;

/**
 * Saves the page settings (name, address, time zone, logo, accent colour;
 * internal cadence and reminders, alert escalation, postmortem due hours and template, component
 * notifications and the webhook and chat disabling delay when sent). Returns the saved row.
 */
export async function updateSettings(deps: WriteDeps, actor: Actor, raw: UpdateSettingsInput): Promise<SettingsRow> {
  authorize(actor, 'settings:write');
  const input = parseInput(UpdateSettingsInput, raw);
  if (input.alertEscalationUserIds) await assertEscalationMembers(deps, input.alertEscalationUserIds);
  const current = await loadSettings(deps);
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const patch: Omit<SettingsPatch, 'updatedAt'> = {};
  for (const field of FIELDS) {
    if (input[field] === current[field]) continue;
    before[field] = current[field];
    after[field] = input[field];
    (patch as Record<string, unknown>)[field] = input[field];
  }
  if (input.internalCadence !== undefined) {
    const was = internalCadenceTable(current.internalCadence);
    const wanted = input.internalCadence === null ? null : storedCadence({ ...was, ...definedOnly(input.internalCadence) });
    // Saving the defaults unchanged keeps "the defaults" (null), so a later change of the defaults reaches this page.
    const changed = JSON.stringify(internalCadenceTable(wanted)) !== JSON.stringify(was);
    if (changed || (wanted === null && current.internalCadence !== null)) {
      before.internalCadence = was;
      after.internalCadence = internalCadenceTable(wanted);
      patch.internalCadence = wanted;
    }
  }
  if (input.internalReminders !== undefined && input.internalReminders !== current.internalReminders) {
    before.internalReminders = current.internalReminders;
    after.internalReminders = input.internalReminders;
    patch.internalReminders = input.internalReminders;
  }
  if (input.alertEscalationMinutes !== undefined && input.alertEscalationMinutes !== current.alertEscalationMinutes) {
    before.alertEscalationMinutes = current.alertEscalationMinutes;
    after.alertEscalationMinutes = input.alertEscalationMinutes;
    patch.alertEscalationMinutes = input.alertEscalationMinutes;
  }
  if (input.alertEscalationUserIds !== undefined && JSON.stringify(input.alertEscalationUserIds) !== JSON.stringify(current.alertEscalationUserIds)) {
    before.alertEscalationUserIds = current.alertEscalationUserIds;
    after.alertEscalationUserIds = input.alertEscalationUserIds;
    patch.alertEscalationUserIds = input.alertEscalationUserIds;
  }
  if (input.postmortemDueHours !== undefined) {
    const next = nextDueHours(current.postmortemDueHours, input.postmortemDueHours);
    if (next.changed) {
      before.postmortemDueHours = postmortemDueTable(current.postmortemDueHours);
      after.postmortemDueHours = postmortemDueTable(next.stored);
      patch.postmortemDueHours = next.stored;
    }
  }
  if (input.postmortemTemplate !== undefined && input.postmortemTemplate !== current.postmortemTemplate) {
    // The audit says that it changed, not the whole document twice.
    before.postmortemTemplate = current.postmortemTemplate === null ? 'default' : 'custom';
    after.postmortemTemplate = input.postmortemTemplate === null ? 'default' : 'custom';
    patch.postmortemTemplate = input.postmortemTemplate;
  }
  for (const field of ['componentNotifications', 'componentFlapWindowSeconds', 'channelDisableAfterHours'] as const) {
    const value = input[field];
    if (value === undefined || value === current[field]) continue;
    before[field] = current[field];
    after[field] = value;
    Object.assign(patch, { [field]: value });
  }
  if (Object.keys(patch).length === 0) return current;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.settings.update({ ...patch, updatedAt: now }),
    auditEntry(deps, actor, { action: 'settings.update', targetType: 'settings', details: { before, after } }),
  ]);
  return { ...current, ...patch, updatedAt: now };
}

/** The severities a partial cadence input names (undefined: not sent). */
function definedOnly(input: Partial<Record<Severity, number | null | undefined>>): Partial<Record<Severity, number | null>> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<Record<Severity, number | null>>;
}

/** The stored form: {"1": 15, ...}, a severity without a cadence left out. */
function storedCadence(table: Record<Severity, number | null>): Record<string, number> {
  const stored: Record<string, number> = {};
  for (const severity of SEVERITIES) {
    const minutes = table[severity];
    if (minutes !== null) stored[String(severity)] = minutes;
  }
  return stored;
}

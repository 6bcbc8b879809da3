import { z } from 'zod';
import type { SettingsPatch } from '../../db/repos/settings-repo.js';
import type { SettingsRow } from '../../db/schema.js';
import { isValidTimeZone } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput } from '../validation.js';
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

/** Saves the page settings (name, address, time zone, logo, accent colour). Returns the saved row. */
export async function updateSettings(deps: WriteDeps, actor: Actor, raw: UpdateSettingsInput): Promise<SettingsRow> {
  authorize(actor, 'settings:write');
  const input = parseInput(UpdateSettingsInput, raw);
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
  if (Object.keys(patch).length === 0) return current;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.settings.update({ ...patch, updatedAt: now }),
    auditEntry(deps, actor, { action: 'settings.update', targetType: 'settings', details: { before, after } }),
  ]);
  return { ...current, ...patch, updatedAt: now };
}

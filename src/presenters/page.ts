import type { SettingsRow } from '../db/schema.js';

/** What every public page's layout shows. */
export interface PageView {
  name: string;
  logoUrl: string | null;
  accentColor: string;
  timeZone: string;
}

export function presentPage(settings: SettingsRow): PageView {
  return {
    name: settings.name,
    logoUrl: settings.logoUrl,
    // The colour lands in a <style> block: accept only a plain hex colour.
    accentColor: /^#[0-9a-fA-F]{3,8}$/.test(settings.accentColor) ? settings.accentColor : '#2563eb',
    timeZone: settings.timeZone,
  };
}

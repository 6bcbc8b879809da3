import type { SettingsRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import type { EmailPage } from '../../mail/compose.js';

/** The page settings; they exist from the first start on (see initializePage). */
export async function loadSettings(deps: Pick<Deps, 'repos'>): Promise<SettingsRow> {
  const settings = await deps.repos.settings.get();
  if (!settings) throw new Error('Page settings are missing: the page was not initialized.');
  return settings;
}

/** The page as emails show it, with links to `baseUrl` (the page's own URL setting when none is given; no trailing slash). */
export async function loadEmailPage(deps: Pick<Deps, 'repos'>, baseUrl?: string): Promise<EmailPage> {
  const settings = await loadSettings(deps);
  return { name: settings.name, baseUrl: (baseUrl ?? settings.url).replace(/\/+$/, ''), timeZone: settings.timeZone, logoUrl: settings.logoUrl, accentColor: settings.accentColor };
}

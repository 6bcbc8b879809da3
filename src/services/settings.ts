import type { SettingsRow } from '../db/schema.js';
import type { Deps } from '../deps.js';

/** The page settings; they exist from the first start on (see initializePage). */
export async function loadSettings(deps: Pick<Deps, 'repos'>): Promise<SettingsRow> {
  const settings = await deps.repos.settings.get();
  if (!settings) throw new Error('Page settings are missing: the page was not initialized.');
  return settings;
}

import type { Deps } from '../deps.js';
import { newId } from '../lib/ids.js';
import { seedExampleContent } from './example-page.js';

export const DEFAULT_ACCENT = '#2563eb';

/**
 * First start: creates the page settings, then the example content when the
 * configuration allows it (never in production). Later starts change nothing,
 * so removed example content does not come back.
 */
export async function initializePage(deps: Pick<Deps, 'repos' | 'db' | 'clock' | 'config'>): Promise<{ created: boolean }> {
  if (await deps.repos.settings.get()) return { created: false };
  const now = deps.clock.now();
  try {
    await deps.db.atomic([
    deps.repos.settings.insert({
      pageId: newId(),
      name: deps.config.initialPageName,
      url: deps.config.publicUrl ?? '',
      timeZone: deps.config.initialTimeZone,
      accentColor: DEFAULT_ACCENT,
      createdAt: now,
      updatedAt: now,
    }),
    ]);
  } catch (error) {
    // Another process (or Worker isolate) initialized the page first.
    if (await deps.repos.settings.get()) return { created: false };
    throw error;
  }
  if (deps.config.demo) await seedExampleContent(deps);
  return { created: true };
}

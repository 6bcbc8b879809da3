import type { Deps } from '../../deps.js';
import { newId } from '../../lib/ids.js';
import { systemActor } from '../auth/actor.js';
import { ensureDefaultInternalTemplates, ensureDefaultTemplates } from './default-templates.js';
import { seedExampleContent } from './example-page.js';

export const DEFAULT_ACCENT = '#2563eb';

/** meta key: the authority of the page's feed ids, minted once so they never change (RFC 4287 4.2.6). */
export const TAG_AUTHORITY_KEY = 'tag_authority';

/** The page's host at creation, or a name made from its id when the URL is not known yet. */
export function tagAuthority(url: string | null, pageId: string): string {
  return url ? new URL(url).hostname : `${pageId}.herald.invalid`;
}

/**
 * First start: creates the page settings, then the example content when the
 * configuration allows it (never in production). Later starts change nothing,
 * so removed example content does not come back.
 */
export async function initializePage(deps: Pick<Deps, 'repos' | 'db' | 'clock' | 'config'>): Promise<{ created: boolean }> {
  // Every start, so existing pages get them too (once: see ensureDefaultTemplates).
  await ensureDefaultTemplates(deps);
  await ensureDefaultInternalTemplates(deps);
  if (await deps.repos.settings.get()) return { created: false };
  const now = deps.clock.now();
  const pageId = newId();
  try {
    await deps.db.atomic([
      deps.repos.settings.insert({
        pageId,
        name: deps.config.initialPageName,
        url: deps.config.publicUrl ?? '',
        timeZone: deps.config.initialTimeZone,
        accentColor: DEFAULT_ACCENT,
        createdAt: now,
        updatedAt: now,
      }),
      deps.repos.settings.setMeta(TAG_AUTHORITY_KEY, tagAuthority(deps.config.publicUrl, pageId)),
    ]);
  } catch (error) {
    // Another process (or Worker isolate) initialized the page first.
    if (await deps.repos.settings.get()) return { created: false };
    throw error;
  }
  if (deps.config.demo) await seedExampleContent(deps, systemActor('example page'));
  return { created: true };
}

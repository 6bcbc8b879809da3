import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import type { FeedSource } from '../../presenters/feed.js';
import { tagAuthority, TAG_AUTHORITY_KEY } from '../settings/initialize.js';
import { loadSettings } from '../settings/reads.js';
import { withPublicPostmortems } from './postmortem.js';

/** How many incidents a feed carries. */
export const FEED_LENGTH = 50;

/** The latest incidents and maintenance, for the whole page or one public component. */
export async function loadFeed(deps: Pick<Deps, 'repos'>, componentId?: string): Promise<FeedSource> {
  const [settings, components, authority] = await Promise.all([
    loadSettings(deps),
    deps.repos.components.list(),
    deps.repos.settings.getMeta(TAG_AUTHORITY_KEY),
  ]);
  let component;
  if (componentId !== undefined) {
    component = ID_PATTERN.test(componentId) ? components.find((c) => c.id === componentId && !c.hidden) : undefined;
    if (!component) throw new NotFoundError('There is no component at this address.');
  }
  const incidents = await withPublicPostmortems(deps, await deps.repos.incidents.listRecent({ componentId, limit: FEED_LENGTH }));
  return {
    settings,
    components,
    incidents,
    tagAuthority: authority ?? tagAuthority(settings.url || null, settings.pageId),
    ...(component ? { component } : {}),
  };
}

/** Recent and upcoming maintenance, for the iCalendar feed. */
export async function loadMaintenanceFeed(deps: Pick<Deps, 'repos'>): Promise<FeedSource> {
  const [settings, components, incidents] = await Promise.all([
    loadSettings(deps),
    deps.repos.components.list(),
    deps.repos.incidents.listRecent({ kind: 'maintenance', limit: FEED_LENGTH }),
  ]);
  return { settings, components, incidents, tagAuthority: '' };
}

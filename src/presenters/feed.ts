import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import type { PublicPostmortem } from '../db/repos/postmortems-repo.js';
import type { ComponentRow, SettingsRow } from '../db/schema.js';
import type { Feed, FeedEntry } from '../feeds/feed.js';
import { xmlEscape } from '../lib/xml.js';
import { formatterFor } from './format.js';
import { presentIncident } from './incident.js';

export interface FeedSource {
  settings: SettingsRow;
  components: ComponentRow[];
  /** With their postmortems published on the status page, where loaded. */
  incidents: (IncidentDetail & { publicPostmortem?: PublicPostmortem | null })[];
  /** The host part of entry ids, fixed when the page was created. */
  tagAuthority: string;
  /** Set for a per-component feed. */
  component?: ComponentRow;
}

/**
 * Incidents and maintenance as feed entries: one per incident, all its
 * updates in the content, newest published first. Ids are tag: URIs minted
 * from the page's host and year at creation, so moving the page (or reading it
 * through another host name) never changes them.
 */
export function presentFeed(source: FeedSource, baseUrl: string, selfUrl: string, now: number): Feed {
  const format = formatterFor(source.settings.timeZone);
  const componentsById = new Map(source.components.map((c) => [c.id, c]));
  const host = source.tagAuthority;
  const year = new Date(source.settings.createdAt).getUTCFullYear();
  const entries: FeedEntry[] = source.incidents.map((incident) => {
    const view = presentIncident(incident, componentsById, format, now);
    const updates = view.updates
      .map(
        (u) =>
          `<p><strong>${xmlEscape(u.statusLabel)}</strong> · <time datetime="${u.at.iso}">${xmlEscape(u.at.text)}</time></p>${u.bodyHtml}`,
      )
      .join('');
    const affected = view.components.length
      ? `<p>Affected components: ${xmlEscape(view.components.map((c) => c.name).join(', '))}</p>`
      : '';
    const latest = incident.updates[0];
    // The published postmortem leads the entry's content, and its edits move the entry's updated time.
    const postmortem = view.postmortem
      ? `<h2>Postmortem</h2><p>Published <time datetime="${view.postmortem.publishedAt.iso}">${xmlEscape(view.postmortem.publishedAt.text)}</time></p>${view.postmortem.bodyHtml}<h2>Updates</h2>`
      : '';
    return {
      id: `tag:${host},${year}:incident/${incident.id}`,
      title: view.kind === 'maintenance' ? `Maintenance: ${incident.title}` : incident.title,
      link: `${baseUrl}${view.url}`,
      published: incident.updates.at(-1)?.at ?? incident.createdAt,
      updated: Math.max(incident.updatedAt, latest?.at ?? 0, incident.publicPostmortem?.updatedAt ?? 0),
      contentHtml: postmortem + updates + affected,
      summary: latest ? `${view.updates[0]!.statusLabel}: ${oneLine(latest.body)}` : view.statusLabel,
    };
  });
  // Newest published first: a maintenance announced for next week is older news than today's incident.
  entries.sort((a, b) => b.published - a.published);
  const title = source.component ? `${source.settings.name} · ${source.component.name}` : source.settings.name;
  return {
    id: source.component ? `tag:${host},${year}:component/${source.component.id}` : `tag:${host},${year}:history`,
    title: `${title} status`,
    subtitle: source.component
      ? `Incidents and maintenance affecting ${source.component.name}`
      : `Incidents and maintenance for ${source.settings.name}`,
    selfUrl,
    alternateUrl: `${baseUrl}/`,
    updated: Math.max(source.settings.updatedAt, ...entries.map((e) => e.updated)),
    entries,
  };
}

/** The first 280 characters of a Markdown body on one line, without markup. */
function oneLine(markdown: string): string {
  const text = markdown.replace(/[*_`#>\[\]]/g, '').replace(/\s+/g, ' ').trim();
  // By code point, so an emoji is never cut in half.
  const chars = Array.from(text);
  return chars.length > 280 ? `${chars.slice(0, 279).join('')}…` : text;
}

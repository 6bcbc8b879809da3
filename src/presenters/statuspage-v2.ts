import { isoDate, localDate } from '../domain/calendar.js';
import type { ComponentStatus, Impact } from '../domain/constants.js';
import { effectiveStatus } from '../domain/lifecycle.js';
import { overallStatus, worstStatus } from '../domain/status.js';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import type { PublicPostmortem } from '../db/repos/postmortems-repo.js';
import type { ComponentRow } from '../db/schema.js';
import type { PublicPageData } from '../services/public/public-api.js';

/*
 * Atlassian Statuspage public API v2 shapes, exactly: the same keys (strict
 * clients reject unknown ones), the same enums, ISO 8601 times. Hidden
 * components are not public and never appear.
 */

export interface V2Page {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

export interface V2Component {
  id: string;
  name: string;
  status: ComponentStatus;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
  /** Only on group rows: the ids of the group's components. */
  components?: string[];
}

export interface V2Status {
  indicator: 'none' | 'minor' | 'major' | 'critical' | 'maintenance';
  description: string;
}

export interface V2AffectedComponent {
  code: string;
  name: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

export interface V2IncidentUpdate {
  id: string;
  status: string;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: V2AffectedComponent[];
  deliver_notifications: boolean;
  custom_tweet: null;
  tweet_id: null;
}

export interface V2Incident {
  id: string;
  name: string;
  status: string;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: Impact;
  shortlink: string;
  /** The customer-facing postmortem (Markdown), once published on the status page; null otherwise. */
  postmortem_body: string | null;
  postmortem_body_last_updated_at: string | null;
  postmortem_published_at: string | null;
  started_at: string;
  page_id: string;
  incident_updates: V2IncidentUpdate[];
  components: V2Component[];
}

export interface V2ScheduledMaintenance extends V2Incident {
  scheduled_for: string;
  scheduled_until: string;
}

const STATUS_DESCRIPTIONS: Record<V2Status['indicator'], string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major Service Outage',
  maintenance: 'Service Under Maintenance',
};

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** Presents one page's public data for every v2 endpoint. */
export class StatuspageV2 {
  private readonly visible: ComponentRow[];
  private readonly byId: Map<string, ComponentRow>;
  private readonly componentRows: V2Component[];

  constructor(
    private readonly data: PublicPageData,
    private readonly baseUrl: string,
    private readonly now: number,
  ) {
    this.visible = data.components.filter((c) => !c.hidden);
    this.byId = new Map(data.components.map((c) => [c.id, c]));
    this.componentRows = this.buildComponents();
  }

  /** The page object; updated_at is the latest change to anything on the page. */
  page(): V2Page {
    const { settings } = this.data;
    const updatedAt = Math.max(
      settings.updatedAt,
      this.data.incidentsUpdatedAt,
      ...this.data.components.map((c) => c.updatedAt),
      ...this.data.groups.map((g) => g.updatedAt),
    );
    return { id: settings.pageId, name: settings.name, url: this.baseUrl, time_zone: settings.timeZone, updated_at: iso(updatedAt) };
  }

  status(): V2Status {
    const { indicator } = overallStatus(this.visible.map((c) => c.status));
    return { indicator, description: STATUS_DESCRIPTIONS[indicator] };
  }

  components(): V2Component[] {
    return this.componentRows;
  }

  incident(incident: IncidentDetail & { publicPostmortem?: PublicPostmortem | null }): V2Incident {
    const pageId = this.data.settings.pageId;
    const postmortem = incident.publicPostmortem ?? null;
    return {
      id: incident.id,
      name: incident.title,
      status: effectiveStatus(incident, this.now),
      created_at: iso(incident.createdAt),
      updated_at: iso(incident.updatedAt),
      monitoring_at: isoOrNull(incident.monitoringAt),
      resolved_at: isoOrNull(incident.resolvedAt),
      impact: incident.impact,
      shortlink: `${this.baseUrl}/incidents/${incident.id}`,
      postmortem_body: postmortem?.body ?? null,
      postmortem_body_last_updated_at: postmortem ? iso(postmortem.updatedAt) : null,
      postmortem_published_at: postmortem ? iso(postmortem.publishedAt) : null,
      started_at: iso(incident.startedAt),
      page_id: pageId,
      incident_updates: incident.updates.map((update) => ({
        id: update.id,
        status: update.status,
        body: update.body,
        incident_id: incident.id,
        created_at: iso(update.createdAt),
        updated_at: iso(update.updatedAt),
        display_at: iso(update.at),
        affected_components: update.componentChanges
          .filter((change) => this.isPublic(change.componentId))
          .map((change) => ({
            code: change.componentId,
            name: this.byId.get(change.componentId)!.name,
            old_status: change.oldStatus,
            new_status: change.newStatus,
          })),
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      })),
      components: this.componentRows.filter((row) => !row.group && incident.componentIds.includes(row.id)),
    };
  }

  maintenance(incident: IncidentDetail): V2ScheduledMaintenance {
    return {
      ...this.incident(incident),
      scheduled_for: iso(incident.scheduledFor ?? incident.startedAt),
      scheduled_until: iso(incident.scheduledUntil ?? incident.startedAt),
    };
  }

  private isPublic(componentId: string): boolean {
    const component = this.byId.get(componentId);
    return component !== undefined && !component.hidden;
  }

  /** Groups and components in page order, each group followed by its members. */
  private buildComponents(): V2Component[] {
    const pageId = this.data.settings.pageId;
    const timeZone = this.data.settings.timeZone;
    const rows: V2Component[] = [];
    const component = (c: ComponentRow): V2Component => ({
      id: c.id,
      name: c.name,
      status: c.status,
      created_at: iso(c.createdAt),
      updated_at: iso(c.updatedAt),
      position: rows.length + 1,
      description: c.description,
      showcase: true,
      start_date: isoDate(localDate(c.startedAt, timeZone)),
      group_id: c.groupId,
      page_id: pageId,
      group: false,
      only_show_if_degraded: c.onlyShowIfDegraded,
    });
    const groupIds = new Set(this.data.groups.map((g) => g.id));
    for (const group of this.data.groups) {
      const members = this.visible.filter((c) => c.groupId === group.id);
      if (members.length === 0) continue;
      rows.push({
        id: group.id,
        name: group.name,
        status: worstStatus(members.map((m) => m.status)),
        created_at: iso(group.createdAt),
        updated_at: iso(group.updatedAt),
        position: rows.length + 1,
        description: group.description,
        showcase: false,
        start_date: null,
        group_id: null,
        page_id: pageId,
        group: true,
        only_show_if_degraded: false,
        components: members.map((m) => m.id),
      });
      for (const member of members) rows.push(component(member));
    }
    for (const c of this.visible) {
      if (c.groupId === null || !groupIds.has(c.groupId)) rows.push(component({ ...c, groupId: null }));
    }
    return rows;
  }
}

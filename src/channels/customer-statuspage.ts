import type { V2Incident, V2IncidentUpdate, V2ScheduledMaintenance } from '../presenters/statuspage-v2.js';

/*
 * The `incident` object of a Statuspage webhook notification. Statuspage's
 * webhook incident is its /api/v2 incident plus keys the API does not show
 * (test/fixtures/statuspage/ holds the documented and delivered examples):
 * flags about postmortems, backfilling and scheduling, Twitter fields on
 * each update, and the older `organization_id` (the page id). Herald has
 * answers for all of them: it never backfills, tweets or overrides impact,
 * and its maintenance clock always moves a maintenance on time. Keys follow
 * the order of Statuspage's deliveries, then the /api/v2 ones it lacks.
 */

export interface StatuspageWebhookUpdate {
  status: string;
  body: string;
  created_at: string;
  wants_twitter_update: false;
  twitter_updated_at: null;
  updated_at: string;
  display_at: string;
  affected_components: V2IncidentUpdate['affected_components'];
  custom_tweet: null;
  deliver_notifications: boolean;
  id: string;
  incident_id: string;
  tweet_id: null;
}

export interface StatuspageWebhookIncident {
  name: string;
  status: string;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: string;
  shortlink: string;
  postmortem_ignored: false;
  postmortem_body: string | null;
  postmortem_body_last_updated_at: string | null;
  postmortem_published_at: string | null;
  postmortem_notified_subscribers: false;
  postmortem_notified_twitter: false;
  backfilled: false;
  scheduled_for: string | null;
  scheduled_until: string | null;
  scheduled_remind_prior: false;
  scheduled_reminded_at: null;
  impact_override: null;
  scheduled_auto_in_progress: boolean;
  scheduled_auto_completed: boolean;
  scheduled_auto_transition: boolean;
  id: string;
  page_id: string;
  organization_id: string;
  started_at: string;
  incident_updates: StatuspageWebhookUpdate[];
  components: V2Incident['components'];
}

function webhookUpdate(u: V2IncidentUpdate): StatuspageWebhookUpdate {
  return {
    status: u.status,
    body: u.body,
    created_at: u.created_at,
    wants_twitter_update: false,
    twitter_updated_at: null,
    updated_at: u.updated_at,
    display_at: u.display_at,
    affected_components: u.affected_components,
    custom_tweet: null,
    deliver_notifications: u.deliver_notifications,
    id: u.id,
    incident_id: u.incident_id,
    tweet_id: null,
  };
}

export function statuspageWebhookIncident(incident: V2Incident | V2ScheduledMaintenance): StatuspageWebhookIncident {
  const scheduled = 'scheduled_for' in incident;
  return {
    name: incident.name,
    status: incident.status,
    created_at: incident.created_at,
    updated_at: incident.updated_at,
    monitoring_at: incident.monitoring_at,
    resolved_at: incident.resolved_at,
    impact: incident.impact,
    shortlink: incident.shortlink,
    postmortem_ignored: false,
    postmortem_body: incident.postmortem_body,
    postmortem_body_last_updated_at: incident.postmortem_body_last_updated_at,
    postmortem_published_at: incident.postmortem_published_at,
    postmortem_notified_subscribers: false,
    postmortem_notified_twitter: false,
    backfilled: false,
    scheduled_for: scheduled ? incident.scheduled_for : null,
    scheduled_until: scheduled ? incident.scheduled_until : null,
    scheduled_remind_prior: false,
    scheduled_reminded_at: null,
    impact_override: null,
    scheduled_auto_in_progress: scheduled,
    scheduled_auto_completed: scheduled,
    scheduled_auto_transition: scheduled,
    id: incident.id,
    page_id: incident.page_id,
    organization_id: incident.page_id,
    started_at: incident.started_at,
    incident_updates: incident.incident_updates.map(webhookUpdate),
    components: incident.components,
  };
}

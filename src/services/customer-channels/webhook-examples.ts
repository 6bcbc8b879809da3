import { statuspageWebhookBody, type ComponentNotification, type IncidentNotification } from '../../channels/customer.js';

/*
 * The example bodies on /subscribe/webhooks, built by the same function the
 * deliveries use (statuspageWebhookBody), so the documentation cannot drift
 * from what is sent. Fixed, made-up facts; only the page's name and address
 * are the real ones.
 */

const AT = Date.UTC(2026, 0, 15, 9, 30, 0);
const iso = (offsetMinutes: number): string => new Date(AT + offsetMinutes * 60_000).toISOString();
const PAGE_ID = 'herald';

function exampleIncident(pageName: string, baseUrl: string): IncidentNotification {
  const component = {
    id: 'cmpapi0001',
    name: 'API',
    status: 'partial_outage' as const,
    created_at: iso(-525_600),
    updated_at: iso(0),
    position: 1,
    description: null,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: PAGE_ID,
    group: false,
    only_show_if_degraded: false,
  };
  return {
    kind: 'incident',
    pageName,
    baseUrl,
    generatedAt: AT,
    maintenance: false,
    page: { id: PAGE_ID, status_indicator: 'major', status_description: 'Partial System Outage' },
    incident: {
      id: 'inc0example1',
      name: 'Elevated API error rates',
      status: 'identified',
      created_at: iso(-20),
      updated_at: iso(0),
      monitoring_at: null,
      resolved_at: null,
      impact: 'major',
      shortlink: `${baseUrl}/incidents/inc0example1`,
      postmortem_body: null,
      postmortem_body_last_updated_at: null,
      postmortem_published_at: null,
      started_at: iso(-20),
      page_id: PAGE_ID,
      incident_updates: [
        {
          id: 'upd0example2',
          status: 'identified',
          body: 'We found the cause: a faulty configuration change. We are rolling it back.',
          incident_id: 'inc0example1',
          created_at: iso(0),
          updated_at: iso(0),
          display_at: iso(0),
          affected_components: [{ code: 'cmpapi0001', name: 'API', old_status: 'degraded_performance', new_status: 'partial_outage' }],
          deliver_notifications: true,
          custom_tweet: null,
          tweet_id: null,
        },
        {
          id: 'upd0example1',
          status: 'investigating',
          body: 'Some API requests fail. We are investigating.',
          incident_id: 'inc0example1',
          created_at: iso(-20),
          updated_at: iso(-20),
          display_at: iso(-20),
          affected_components: [{ code: 'cmpapi0001', name: 'API', old_status: 'operational', new_status: 'degraded_performance' }],
          deliver_notifications: true,
          custom_tweet: null,
          tweet_id: null,
        },
      ],
      components: [component],
    },
  };
}

function exampleComponent(pageName: string, baseUrl: string): ComponentNotification {
  return {
    kind: 'component',
    pageName,
    baseUrl,
    generatedAt: AT,
    page: { id: PAGE_ID, status_indicator: 'minor', status_description: 'Minor Service Outage' },
    componentUpdate: {
      old_status: 'operational',
      new_status: 'degraded_performance',
      created_at: iso(0),
      component_type: 'Component',
      id: 'cup0example1',
      component_id: 'cmpapi0001',
    },
    component: {
      status: 'degraded_performance',
      name: 'API',
      created_at: iso(-525_600),
      updated_at: iso(0),
      position: 1,
      description: null,
      showcase: true,
      id: 'cmpapi0001',
      page_id: PAGE_ID,
      group_id: null,
    },
  };
}

/** The two example bodies, pretty-printed, with an example unsubscribe link. */
export function webhookExamples(pageName: string, baseUrl: string): { incident: string; component: string } {
  const delivery = { unsubscribeUrl: `${baseUrl}/subscribe/channels/unsubscribe/<token>` };
  return {
    incident: JSON.stringify(statuspageWebhookBody(exampleIncident(pageName, baseUrl), delivery), null, 2),
    component: JSON.stringify(statuspageWebhookBody(exampleComponent(pageName, baseUrl), delivery), null, 2),
  };
}

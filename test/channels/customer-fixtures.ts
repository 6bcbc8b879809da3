import type { ComponentNotification, CustomerDelivery, IncidentNotification } from '../../src/channels/customer.js';
import type { V2Component, V2IncidentUpdate } from '../../src/presenters/statuspage-v2.js';

/*
 * Customer notifications built from fixed inputs (no database), as
 * services/customer-channels/payloads.ts would store them.
 */

/** 2025-03-04 05:06:00 UTC. */
export const NOW = Date.UTC(2025, 2, 4, 5, 6, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

export const DELIVERY: CustomerDelivery = {
  messageId: 'msg_notice1_sub1',
  unsubscribeUrl: 'https://status.example.com/subscribe/channels/unsubscribe/sub1.s3cr3t',
  manageUrl: 'https://status.example.com/subscribe/channels/manage/sub1.s3cr3t',
};

export function v2Component(overrides: Partial<V2Component> = {}): V2Component {
  return {
    id: 'cmp_api',
    name: 'API',
    status: 'degraded_performance',
    created_at: iso(NOW - 86_400_000),
    updated_at: iso(NOW - 60_000),
    position: 1,
    description: null,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: 'page123',
    group: false,
    only_show_if_degraded: false,
    ...overrides,
  };
}

function update(overrides: Partial<V2IncidentUpdate> & Pick<V2IncidentUpdate, 'id' | 'status' | 'body'>, at: number): V2IncidentUpdate {
  return {
    incident_id: 'inc_abc',
    created_at: iso(at),
    updated_at: iso(at),
    display_at: iso(at),
    affected_components: [],
    deliver_notifications: true,
    custom_tweet: null,
    tweet_id: null,
    ...overrides,
  };
}

export function incidentNotification(overrides: { name?: string; body?: string; pageName?: string; componentName?: string } = {}): IncidentNotification {
  const componentName = overrides.componentName ?? 'API';
  return {
    kind: 'incident',
    maintenance: false,
    pageName: overrides.pageName ?? 'Acme Cloud',
    baseUrl: 'https://status.example.com',
    page: { id: 'page123', status_indicator: 'minor', status_description: 'Minor Service Outage' },
    generatedAt: NOW,
    incident: {
      id: 'inc_abc',
      name: overrides.name ?? 'Checkout failing for EU customers',
      status: 'identified',
      created_at: iso(NOW - 20 * 60_000),
      updated_at: iso(NOW - 60_000),
      monitoring_at: null,
      resolved_at: null,
      impact: 'minor',
      shortlink: 'https://status.example.com/incidents/inc_abc',
      postmortem_body: null,
      postmortem_body_last_updated_at: null,
      postmortem_published_at: null,
      started_at: iso(NOW - 25 * 60_000),
      page_id: 'page123',
      incident_updates: [
        update(
          {
            id: 'upd_2',
            status: 'identified',
            body: overrides.body ?? 'We found the **cause**: a bad deploy.\n\n- rolling back\n- carts are kept',
            affected_components: [{ code: 'cmp_api', name: componentName, old_status: 'operational', new_status: 'degraded_performance' }],
          },
          NOW - 60_000,
        ),
        update(
          {
            id: 'upd_1',
            status: 'investigating',
            body: 'We are looking into errors at checkout.',
            affected_components: [{ code: 'cmp_api', name: componentName, old_status: 'operational', new_status: 'operational' }],
          },
          NOW - 20 * 60_000,
        ),
      ],
      components: [v2Component({ name: componentName })],
    },
  };
}

export function maintenanceNotification(): IncidentNotification {
  const base = incidentNotification({ name: 'Database upgrade' });
  return {
    ...base,
    maintenance: true,
    incident: {
      ...base.incident,
      status: 'scheduled',
      impact: 'maintenance',
      incident_updates: [{ ...base.incident.incident_updates[1]!, status: 'scheduled', body: 'We will upgrade the database.' }],
      scheduled_for: iso(NOW + 3_600_000),
      scheduled_until: iso(NOW + 7_200_000),
    },
  };
}

export function componentNotification(overrides: { name?: string } = {}): ComponentNotification {
  const component = v2Component({ name: overrides.name ?? 'API' });
  return {
    kind: 'component',
    pageName: 'Acme Cloud',
    baseUrl: 'https://status.example.com',
    page: { id: 'page123', status_indicator: 'minor', status_description: 'Minor Service Outage' },
    generatedAt: NOW,
    component: {
      status: 'degraded_performance',
      name: component.name,
      created_at: component.created_at,
      updated_at: component.updated_at,
      position: component.position,
      description: component.description,
      showcase: component.showcase,
      id: component.id,
      page_id: component.page_id,
      group_id: component.group_id,
    },
    componentUpdate: {
      old_status: 'operational',
      new_status: 'degraded_performance',
      created_at: iso(NOW - 30_000),
      component_type: 'Component',
      id: 'ntc_1',
      component_id: component.id,
    },
  };
}

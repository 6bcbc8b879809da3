import type { ComponentNotification, CustomerNotification, IncidentNotification, StatuspageComponent } from '../../channels/customer.js';
import type { CustomerNoticeRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { StatuspageV2 } from '../../presenters/statuspage-v2.js';
import { heraldBaseUrl } from '../destinations/notify.js';
import { loadPublicPage } from '../public/public-api.js';
import { withPublicPostmortems } from '../public/postmortem.js';

/*
 * The CustomerNotification of a notice, as /api/v2 would show it when it is
 * first expanded. It is stored with the notice (customer_notices.payload) so
 * every subscriber and every retry gets the same facts.
 */

/** A notice with nothing left to announce: its update or component is gone, or the component is hidden. */
export class NoticeGoneError extends Error {}

export async function noticePayload(
  deps: Pick<Deps, 'repos'> & Partial<Pick<Deps, 'config'>>,
  notice: CustomerNoticeRow,
  now: number,
): Promise<CustomerNotification> {
  const [data, baseUrl] = await Promise.all([loadPublicPage(deps), heraldBaseUrl(deps)]);
  const v2 = new StatuspageV2(data, baseUrl, now);
  const status = v2.status();
  const base = {
    pageName: data.settings.name,
    baseUrl,
    page: { id: data.settings.pageId, status_indicator: status.indicator, status_description: status.description },
    generatedAt: now,
  };

  if (notice.kind === 'incident') {
    const detail = notice.updateId ? await deps.repos.incidents.findByUpdateId(notice.updateId) : undefined;
    const announced = detail?.updates.find((u) => u.id === notice.updateId);
    if (!detail || !announced) throw new NoticeGoneError(`notice ${notice.id}: update ${notice.updateId} is gone`);
    // The incident as it stood at the announced update: it is the newest of incident_updates.
    const [incident] = await withPublicPostmortems(deps, [{ ...detail, updates: detail.updates.filter((u) => u.at <= announced.at) }]);
    const maintenance = detail.kind === 'maintenance';
    const payload: IncidentNotification = { ...base, kind: 'incident', maintenance, incident: maintenance ? v2.maintenance(incident!) : v2.incident(incident!) };
    return payload;
  }

  const row = v2.components().find((c) => c.id === notice.componentId && !c.group);
  if (!row || !notice.oldStatus || !notice.newStatus) throw new NoticeGoneError(`notice ${notice.id}: component ${notice.componentId} is gone or hidden`);
  const component: StatuspageComponent = {
    status: notice.newStatus,
    name: row.name,
    created_at: row.created_at,
    updated_at: row.updated_at,
    position: row.position,
    description: row.description,
    showcase: row.showcase,
    id: row.id,
    page_id: row.page_id,
    group_id: row.group_id,
  };
  const payload: ComponentNotification = {
    ...base,
    kind: 'component',
    component,
    componentUpdate: {
      old_status: notice.oldStatus,
      new_status: notice.newStatus,
      created_at: new Date(notice.updatedAt).toISOString(),
      component_type: 'Component',
      id: notice.id,
      component_id: row.id,
    },
  };
  return payload;
}

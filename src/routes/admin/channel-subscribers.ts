import { Hono } from 'hono';
import { z } from 'zod';
import {
  CHANNEL_HEALTHS,
  type ChannelHealth,
  CHANNEL_SUBSCRIBER_STATUSES,
  CHANNEL_SUBSCRIBER_TYPE_LABELS,
  CHANNEL_SUBSCRIBER_TYPES,
  CUSTOMER_NOTICE_KINDS,
  type ChannelSubscriberStatus,
  type ChannelSubscriberType,
} from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { formatterFor, type Formatter } from '../../presenters/format.js';
import { enableChannelSubscriber, removeChannelSubscriber } from '../../services/customer-channels/manage.js';
import {
  CHANNEL_MANAGE,
  CHANNEL_PAGE_SIZE,
  CHANNEL_VIEW,
  ChannelSubscriberListInput,
  findChannelSubscriber,
  listChannelSubscribers,
  type ChannelDeliveryView,
  type ChannelSubscriberView,
} from '../../services/customer-channels/reads.js';
import { loadSettings } from '../../services/settings/reads.js';
import { parseInput } from '../../services/validation.js';
import { renderAdmin, requirePermission, type AdminEnv } from './context.js';

/*
 * /admin/channel-subscribers: customers subscribed by webhook, Slack,
 * Microsoft Teams or Discord, beside the email subscribers. The list with
 * each one's health, one subscriber with its delivery log, removal and
 * re-enabling. URLs are shown masked (type, host, a short first segment).
 */

const NOTICES: Record<string, string> = {
  removed: 'Subscriber removed, with its queued messages and its delivery log.',
  enabled: 'Subscriber re-enabled: the next notice goes to it.',
};

const STATUS_LABELS: Record<ChannelSubscriberStatus, string> = { pending: 'Pending', confirmed: 'Confirmed', disabled: 'Disabled' };
const HEALTH_LABELS: Record<ChannelHealth, string> = { healthy: 'Healthy', failing: 'Failing', disabled: 'Disabled' };
const KIND_LABELS: Record<(typeof CUSTOMER_NOTICE_KINDS)[number], string> = { incident: 'Incident update', component: 'Component status' };
const DELIVERY_LABELS = { queued: 'Queued', sending: 'Sending', sent: 'Sent', failed: 'Failed' } as const;

/** The list page's query string (the service's filters; `q` is the search). Anything else is ignored. */
const ListQuery = z.object({
  type: z.string().optional(),
  status: z.string().optional(),
  health: z.string().optional(),
  q: z.string().optional(),
  after: z.string().optional(),
  done: z.string().max(40).optional(),
});

interface Filters {
  type?: ChannelSubscriberType;
  status?: ChannelSubscriberStatus;
  health?: ChannelHealth;
  q?: string;
  after?: string;
}

function listHref(filters: Filters): string {
  const params = new URLSearchParams();
  for (const key of ['type', 'status', 'health', 'q', 'after'] as const) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  const search = params.toString();
  return search ? `/admin/channel-subscribers?${search}` : '/admin/channel-subscribers';
}

const timeOrNull = (format: Formatter, ms: number | null) => (ms === null ? null : format.dateTime(ms));

function presentRow(v: ChannelSubscriberView, format: Formatter) {
  return {
    id: v.id,
    typeLabel: v.typeLabel,
    contactEmail: v.contactEmail,
    host: v.host,
    urlMasked: v.urlMasked,
    status: v.status,
    statusLabel: STATUS_LABELS[v.status],
    health: v.health,
    healthLabel: v.health === null ? 'Not confirmed yet' : HEALTH_LABELS[v.health],
    hasSigningSecret: v.hasSigningSecret,
    scope: v.allComponents ? 'All components' : `${v.componentIds.length} components · ${v.groupIds.length} groups`,
    created: format.dateTime(v.createdAt),
    confirmed: timeOrNull(format, v.confirmedAt),
    lastSuccess: timeOrNull(format, v.lastSuccessAt),
    lastFailure: timeOrNull(format, v.lastFailureAt),
    lastFailureStatus: v.lastFailureStatus,
    lastFailureError: v.lastFailureError,
    failingSince: timeOrNull(format, v.failingSince),
    disabled: timeOrNull(format, v.disabledAt),
  };
}

function presentDelivery(d: ChannelDeliveryView, format: Formatter) {
  return {
    id: d.id,
    kindLabel: KIND_LABELS[d.kind],
    updateId: d.updateId,
    componentId: d.componentId,
    statusLabel: DELIVERY_LABELS[d.status],
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    latencyMs: d.latencyMs,
    error: d.error,
    created: format.dateTime(d.createdAt),
    lastAttempt: timeOrNull(format, d.lastAttemptAt),
  };
}

export function channelSubscriberAdminRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, CHANNEL_VIEW);
  const manage = requirePermission(deps, CHANNEL_MANAGE);

  app.get('/channel-subscribers', read, async (c) => {
    const raw = parseInput(ListQuery, c.req.query());
    // Validated by the service (a bad value is a 400 page), then kept for the links.
    const filters = parseInput(ChannelSubscriberListInput, { type: raw.type, status: raw.status, health: raw.health, search: raw.q, after: raw.after });
    const kept: Filters = { type: filters.type, status: filters.status, health: filters.health, q: filters.search };
    const [page, settings] = await Promise.all([
      listChannelSubscribers(deps, c.get('actor'), { type: filters.type, status: filters.status, health: filters.health, search: filters.search, after: raw.after || undefined }),
      loadSettings(deps),
    ]);
    const format = formatterFor(settings.timeZone);
    const total = CHANNEL_SUBSCRIBER_TYPES.reduce((sum, t) => sum + CHANNEL_SUBSCRIBER_STATUSES.reduce((s, st) => s + page.counts[t][st], 0), 0);
    const typeTotal = (t: ChannelSubscriberType) => CHANNEL_SUBSCRIBER_STATUSES.reduce((s, st) => s + page.counts[t][st], 0);
    return renderAdmin(c, deps, 'channel-subscribers/list', {
      title: 'Webhook & chat subscribers',
      notice: NOTICES[raw.done ?? ''] ?? null,
      filter: { ...kept, q: kept.q ?? '' },
      filtered: Boolean(kept.type || kept.status || kept.health || kept.q),
      total,
      typeLinks: [
        { label: 'All types', count: total, href: listHref({ ...kept, type: undefined }), current: !kept.type },
        ...CHANNEL_SUBSCRIBER_TYPES.map((t) => ({
          label: CHANNEL_SUBSCRIBER_TYPE_LABELS[t],
          count: typeTotal(t),
          href: listHref({ ...kept, type: t }),
          current: kept.type === t,
        })),
      ],
      statusOptions: CHANNEL_SUBSCRIBER_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
      healthOptions: CHANNEL_HEALTHS.map((h) => ({ value: h, label: HEALTH_LABELS[h] })),
      rows: page.rows.map((row) => presentRow(row, format)),
      pageSize: CHANNEL_PAGE_SIZE,
      next: page.next === null ? null : listHref({ ...kept, after: page.next }),
      first: raw.after ? listHref(kept) : null,
    });
  });

  app.get('/channel-subscribers/:id', read, async (c) => {
    const { subscriber, deliveries } = await findChannelSubscriber(deps, c.get('actor'), c.req.param('id'));
    const format = formatterFor((await loadSettings(deps)).timeZone);
    return renderAdmin(c, deps, 'channel-subscribers/show', {
      title: `${subscriber.typeLabel} subscriber ${subscriber.host}`,
      notice: NOTICES[c.req.query('done') ?? ''] ?? null,
      subscriber: presentRow(subscriber, format),
      deliveries: deliveries.map((d) => presentDelivery(d, format)),
    });
  });

  app.get('/channel-subscribers/:id/remove', manage, async (c) => {
    const { subscriber } = await findChannelSubscriber(deps, c.get('actor'), c.req.param('id'));
    const format = formatterFor((await loadSettings(deps)).timeZone);
    return renderAdmin(c, deps, 'channel-subscribers/remove', { title: `Remove ${subscriber.host}`, subscriber: presentRow(subscriber, format) });
  });

  app.post('/channel-subscribers/:id/remove', manage, async (c) => {
    await removeChannelSubscriber(deps, c.get('actor'), c.req.param('id'));
    return c.redirect('/admin/channel-subscribers?done=removed', 303);
  });

  app.post('/channel-subscribers/:id/enable', manage, async (c) => {
    const enabled = await enableChannelSubscriber(deps, c.get('actor'), c.req.param('id'));
    return c.redirect(`/admin/channel-subscribers/${enabled.id}?done=enabled`, 303);
  });

  return app;
}

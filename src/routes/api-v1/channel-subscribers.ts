import { z } from 'zod';
import { CHANNEL_HEALTHS, CHANNEL_SUBSCRIBER_STATUSES, CHANNEL_SUBSCRIBER_TYPES } from '../../domain/constants.js';
import {
  presentApiChannelCounts,
  presentApiChannelDelivery,
  presentApiChannelSubscriber,
} from '../../presenters/api-v1-channel-models.js';
import { enableChannelSubscriber, removeChannelSubscriber } from '../../services/customer-channels/manage.js';
import { CHANNEL_MANAGE, CHANNEL_VIEW, findChannelSubscriber, listChannelSubscribers } from '../../services/customer-channels/reads.js';
import { operation, type Operation } from './registry.js';
import { ChannelSubscriberDetailModel, ChannelSubscriberListModel, ChannelSubscriberModel, IdPath, ListQuery } from './schemas.js';

/*
 * Customers' webhook and chat subscriptions, as on the admin's "Webhook &
 * chat" page: the list and one subscriber with its delivery log (comms and
 * up, like email subscribers' addresses), removal and re-enabling. URLs
 * appear masked only.
 */

const ChannelSubscriberListQuery = z.object({
  type: z.enum(CHANNEL_SUBSCRIBER_TYPES).optional().describe('Only subscribers of this type'),
  status: z.enum(CHANNEL_SUBSCRIBER_STATUSES).optional().describe('Only subscribers with this status'),
  health: z
    .enum(CHANNEL_HEALTHS)
    .optional()
    .describe('healthy: confirmed and not failing; failing: failed since the last success, not disabled yet; disabled'),
  search: z
    .string()
    .trim()
    .max(254)
    .optional()
    .describe("Only subscribers whose contact address or endpoint host contains this text (case ignored; the URL's path is never searched)"),
  after: z
    .string()
    .max(64)
    .optional()
    .describe('The `next_after` of the previous page: the list (newest first) continues after it'),
  per_page: ListQuery.shape.per_page,
});

export function channelSubscriberOperations(): Operation[] {
  return [
    operation({
      operationId: 'listChannelSubscribers',
      method: 'get',
      path: '/channel-subscribers',
      tag: 'Subscribers',
      summary: 'List webhook and chat subscribers',
      description:
        'Newest first, a page at a time: pass the `next_after` of an answer as `after` for the next page. Each with its health (last success, last failure, failing since, disabled). URLs are masked. `counts` are over the whole list, whatever the filters.',
      permission: CHANNEL_VIEW,
      query: ChannelSubscriberListQuery,
      response: ChannelSubscriberListModel,
      async run({ deps, actor, query }) {
        const page = await listChannelSubscribers(deps, actor, {
          type: query.type,
          status: query.status,
          health: query.health,
          search: query.search,
          after: query.after,
          perPage: query.per_page,
        });
        return {
          data: page.rows.map(presentApiChannelSubscriber),
          counts: presentApiChannelCounts(page.counts),
          pagination: { per_page: query.per_page, has_more: page.next !== null, next_after: page.next },
        };
      },
    }),
    operation({
      operationId: 'getChannelSubscriber',
      method: 'get',
      path: '/channel-subscribers/{id}',
      tag: 'Subscribers',
      summary: 'Get a webhook or chat subscriber with its delivery log',
      permission: CHANNEL_VIEW,
      params: IdPath,
      response: ChannelSubscriberDetailModel,
      async run({ deps, actor, params }) {
        const { subscriber, deliveries } = await findChannelSubscriber(deps, actor, params.id);
        return { ...presentApiChannelSubscriber(subscriber), deliveries: deliveries.map(presentApiChannelDelivery) };
      },
    }),
    operation({
      operationId: 'deleteChannelSubscriber',
      method: 'delete',
      path: '/channel-subscribers/{id}',
      tag: 'Subscribers',
      summary: 'Remove a webhook or chat subscriber',
      description: 'With its queued messages and its delivery log. Recorded in the audit log (with the masked URL).',
      permission: CHANNEL_MANAGE,
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await removeChannelSubscriber(deps, actor, params.id);
      },
    }),
    operation({
      operationId: 'enableChannelSubscriber',
      method: 'post',
      path: '/channel-subscribers/{id}/enable',
      tag: 'Subscribers',
      summary: 'Re-enable a disabled webhook or chat subscriber',
      description:
        'Confirmed again with its failure streak forgotten, so the next notice goes to it (messages it missed while disabled are not sent). 409 unless it is disabled. Recorded in the audit log.',
      permission: CHANNEL_MANAGE,
      params: IdPath,
      status: 200,
      response: ChannelSubscriberModel,
      async run({ deps, actor, params }) {
        return presentApiChannelSubscriber(await enableChannelSubscriber(deps, actor, params.id));
      },
    }),
  ];
}

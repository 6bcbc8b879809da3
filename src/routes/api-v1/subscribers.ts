import { z } from 'zod';
import { SUBSCRIBER_STATUSES, type IncidentKind } from '../../domain/constants.js';
import {
  presentApiCursor,
  presentApiDeliveries,
  presentApiImportReport,
  presentApiOutbox,
  presentApiSubscriber,
} from '../../presenters/api-v1.js';
import { importSubscribers, MAX_IMPORT_ROWS, removeSubscriber } from '../../services/subscribers/manage.js';
import { listSubscriberPage, loadDeliveries } from './reads.js';
import { MAX_BODY_BYTES, operation, type Operation } from './registry.js';
import { DeliveriesModel, IdPath, ImportReportModel, ListQuery, OutboxModel, SubscriberListModel } from './schemas.js';

/*
 * Subscribers and their emails, as the admin's subscriber pages and delivery
 * progress page: the list (comms and up), import and removal (admins and up),
 * delivery per update of an incident or a maintenance, the outbox as a whole.
 */

const SubscriberListQuery = z.object({
  search: z
    .string()
    .trim()
    .max(254)
    .optional()
    .describe('Only addresses containing this text (case ignored; % and _ match themselves)'),
  status: z.enum(SUBSCRIBER_STATUSES).optional().describe('Only subscribers with this status'),
  after: z
    .string()
    .max(254)
    .optional()
    .describe('The `next_after` of the previous page: the list continues after this address'),
  per_page: ListQuery.shape.per_page,
});

const ImportBody = z.strictObject({
  csv: z
    .string()
    .max(MAX_BODY_BYTES)
    .refine((text) => text.replace(/^\uFEFF/, '').trim() !== '', { error: 'is empty: send one address per line' })
    .describe(
      `One address per line, in the first column of a CSV (a header row naming "email" is skipped); at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')} lines, within the 256 KB body limit`,
    ),
  consented: z
    .boolean()
    .describe(
      'true: the people agreed to receive these emails, so they are confirmed at once. false: each new address is pending and gets a confirmation email',
    ),
});

/** The transport emails go through, by name; null when there is none (emails wait in the outbox). */
const transportName = (mail: { name: string } | null): string | null => mail?.name ?? null;

function deliveriesOperation(kind: IncidentKind, base: string, tag: string, one: string): Operation {
  const noun = kind === 'incident' ? 'an incident' : 'a maintenance';
  return operation({
    operationId: `get${one}Deliveries`,
    method: 'get',
    path: `${base}/{id}/deliveries`,
    tag,
    summary: `Email delivery progress of ${noun}`,
    description:
      'For each update (newest first): emails queued (including those being sent), sent, failed and skipped, and its messages to webhook and chat subscribers per channel type and status (`channels`); and the latest failed emails with the reason, and the address for tokens that may read subscribers (comms and up). Poll it while `in_progress` is true.',
    permission: 'admin:read',
    params: IdPath,
    response: DeliveriesModel,
    async run({ deps, params, actor }) {
      const { incident, counts, failures, channelCounts } = await loadDeliveries(deps, actor, params.id, kind);
      return presentApiDeliveries(incident, counts, failures, transportName(deps.mail), channelCounts);
    },
  });
}

export function subscriberOperations(): Operation[] {
  return [
    operation({
      operationId: 'listSubscribers',
      method: 'get',
      path: '/subscribers',
      tag: 'Subscribers',
      summary: 'List subscribers',
      description:
        'In address order, a page at a time: pass the `next_after` of an answer as `after` for the next page. `counts` are over the whole list, whatever the filters.',
      permission: 'subscribers:read',
      query: SubscriberListQuery,
      response: SubscriberListModel,
      async run({ deps, actor, query }) {
        const page = await listSubscriberPage(deps, actor, query);
        return {
          data: page.rows.map((row) => presentApiSubscriber(row, page.scopes.get(row.id))),
          counts: page.counts,
          pagination: presentApiCursor(query.per_page, page.next),
        };
      },
    }),
    operation({
      operationId: 'importSubscribers',
      method: 'post',
      path: '/subscribers/import',
      tag: 'Subscribers',
      summary: 'Import subscribers',
      description:
        'Adds the new addresses, subscribed to every component. Known addresses are left as they are (an import never resubscribes someone who left or bounced); lines that are not an address are reported, not refused. Recorded in the audit log.',
      permission: 'subscribers:write',
      body: ImportBody,
      status: 200,
      response: ImportReportModel,
      async run({ deps, actor, body }) {
        const report = await importSubscribers(deps, actor, body.csv.replace(/^\uFEFF/, ''), { consented: body.consented });
        return presentApiImportReport(report);
      },
    }),
    operation({
      operationId: 'deleteSubscriber',
      method: 'delete',
      path: '/subscribers/{id}',
      tag: 'Subscribers',
      summary: 'Remove a subscriber',
      description:
        'With any email still queued for them. A suppressed address forgets its suppression, so it could sign up again. Recorded in the audit log.',
      permission: 'subscribers:write',
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await removeSubscriber(deps, actor, params.id);
      },
    }),
    operation({
      operationId: 'getOutbox',
      method: 'get',
      path: '/outbox',
      tag: 'Subscribers',
      summary: 'The email outbox',
      description: 'Emails per status, when the oldest one still waiting was queued, and the transport they go through.',
      permission: 'subscribers:read',
      response: OutboxModel,
      async run({ deps }) {
        const [counts, oldest] = await Promise.all([deps.repos.outbox.counts(), deps.repos.outbox.oldestWaiting()]);
        return presentApiOutbox(counts, oldest, transportName(deps.mail));
      },
    }),
    deliveriesOperation('incident', '/incidents', 'Incidents', 'Incident'),
    deliveriesOperation('maintenance', '/maintenance', 'Maintenance', 'Maintenance'),
  ];
}

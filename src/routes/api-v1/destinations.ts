import { z } from 'zod';
import { DESTINATION_TYPES } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { presentApiDelivery, presentApiDestination, type ApiDestination } from '../../presenters/api-v1-destination-models.js';
import type { Actor } from '../../services/auth/actor.js';
import {
  createDestination,
  deleteDestination,
  rotateSigningSecret,
  sendTestMessage,
  updateDestination,
} from '../../services/destinations/manage.js';
import { findDestination, listDestinations } from '../../services/destinations/reads.js';
import { operation, withComponentsNamed, type Operation } from './registry.js';
import {
  CreatedDestinationModel,
  DestinationDetailModel,
  DestinationListModel,
  DestinationModel,
  IdPath,
  SigningSecretModel,
  TestMessageModel,
} from './schemas.js';

const Type = z.enum(DESTINATION_TYPES).describe('slack, teams (a Workflows webhook), discord, google_chat, or webhook (signed JSON, Standard Webhooks)');
const Url = z
  .string()
  .max(2000)
  .describe('The incoming-webhook URL (a secret: never shown back in full). https only; plain http only to loopback with OUTBOUND_ALLOW_LOOPBACK=1');
const Severities = z
  .array(z.number().int())
  .nullable()
  .describe('The severities it gets (1..4); null or absent: every severity');
const Components = z.array(z.string()).nullable().describe('Component ids: it gets incidents touching any of them; null or absent: every incident');
const AllowPrivate = z.boolean().describe('Allow a private network address (a self-hosted chat server); loopback and link-local stay refused');

/** API spelling (snake_case, `components`) to the services' (camelCase, `componentIds`). */
function toServiceInput<T extends { components?: string[] | null; allow_private?: boolean }>({ components, allow_private, ...rest }: T) {
  return { ...rest, componentIds: components, allowPrivate: allow_private };
}

const CreateBody = z
  .strictObject({
    name: z.string().max(100).describe('What the team calls it, e.g. "#incidents"'),
    type: Type,
    url: Url,
    severities: Severities.optional(),
    components: Components.optional(),
    allow_private: AllowPrivate.optional(),
    paused: z.boolean().optional().describe('Create it paused'),
  })
  .transform(toServiceInput);

const UpdateBody = z
  .strictObject({
    name: z.string().max(100).optional(),
    type: Type.optional().describe('Changing to webhook creates a signing secret (in this answer only); changing away drops it'),
    url: Url.optional().describe('A new URL; absent keeps the saved one'),
    severities: Severities.optional(),
    components: Components.optional(),
    allow_private: AllowPrivate.optional(),
    paused: z.boolean().optional(),
  })
  .transform(toServiceInput);

async function destinationResponse(deps: Pick<Deps, 'repos'>, actor: Actor, id: string): Promise<ApiDestination> {
  return presentApiDestination((await findDestination(deps, actor, id)).destination);
}

export function destinationOperations(): Operation[] {
  return [
    operation({
      operationId: 'listDestinations',
      method: 'get',
      path: '/destinations',
      tag: 'Destinations',
      summary: 'List destinations',
      description: "The company's own channels, by name, each with its latest delivery. URLs are masked.",
      permission: 'destinations:manage',
      response: DestinationListModel,
      run: async ({ deps, actor }) => ({ data: (await listDestinations(deps, actor)).map(presentApiDestination) }),
    }),
    operation({
      operationId: 'getDestination',
      method: 'get',
      path: '/destinations/{id}',
      tag: 'Destinations',
      summary: 'Get one destination with its delivery log',
      permission: 'destinations:manage',
      params: IdPath,
      response: DestinationDetailModel,
      async run({ deps, actor, params }) {
        const { destination, deliveries } = await findDestination(deps, actor, params.id);
        return { ...presentApiDestination(destination), deliveries: deliveries.map(presentApiDelivery) };
      },
    }),
    operation({
      operationId: 'createDestination',
      method: 'post',
      path: '/destinations',
      tag: 'Destinations',
      summary: 'Create a destination',
      description: 'A webhook destination gets a signing secret, returned in this answer only (signing_secret).',
      permission: 'destinations:manage',
      body: CreateBody,
      status: 201,
      response: CreatedDestinationModel,
      async run({ deps, actor, body }) {
        const saved = await withComponentsNamed(() => createDestination(deps, actor, body));
        return { ...(await destinationResponse(deps, actor, saved.id)), signing_secret: saved.signingSecret };
      },
    }),
    operation({
      operationId: 'updateDestination',
      method: 'patch',
      path: '/destinations/{id}',
      tag: 'Destinations',
      summary: 'Update a destination',
      description: 'Only the fields sent change; the URL only when one is sent.',
      permission: 'destinations:manage',
      params: IdPath,
      body: UpdateBody,
      response: CreatedDestinationModel,
      async run({ deps, actor, params, body }) {
        const saved = await withComponentsNamed(() => updateDestination(deps, actor, params.id, body));
        return { ...(await destinationResponse(deps, actor, params.id)), signing_secret: saved.signingSecret };
      },
    }),
    operation({
      operationId: 'deleteDestination',
      method: 'delete',
      path: '/destinations/{id}',
      tag: 'Destinations',
      summary: 'Delete a destination',
      description: 'With its delivery log; messages still queued for it are dropped.',
      permission: 'destinations:manage',
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await deleteDestination(deps, actor, params.id);
      },
    }),
    operation({
      operationId: 'sendDestinationTestMessage',
      method: 'post',
      path: '/destinations/{id}/test',
      tag: 'Destinations',
      summary: 'Send a test message',
      description: 'Queues a test message (kind test) through the same outbox as real messages. A paused destination gets it when resumed.',
      permission: 'destinations:manage',
      params: IdPath,
      status: 201,
      response: TestMessageModel,
      async run({ deps, actor, params }) {
        const { paused, delivery } = await sendTestMessage(deps, actor, params.id);
        return { delivery: presentApiDelivery(delivery), paused };
      },
    }),
    operation({
      operationId: 'rotateDestinationSecret',
      method: 'post',
      path: '/destinations/{id}/rotate-secret',
      tag: 'Destinations',
      summary: "Rotate a webhook destination's signing secret",
      description: 'The new secret is in this answer only; the old one stops verifying at once. 409 for other types.',
      permission: 'destinations:manage',
      params: IdPath,
      response: SigningSecretModel,
      async run({ deps, actor, params }) {
        return { id: params.id, signing_secret: await rotateSigningSecret(deps, actor, params.id) };
      },
    }),
  ];
}

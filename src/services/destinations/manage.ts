import { z } from 'zod';
import type { InternalNotification } from '../../channels/message.js';
import { generateWebhookSecret } from '../../channels/webhook.js';
import type { DestinationPatch } from '../../db/repos/destinations-repo.js';
import type { DestinationRow } from '../../db/schema.js';
import { DESTINATION_TYPES, SEVERITIES, type DestinationType } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { maskUrl } from '../../lib/mask.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput, PublicId } from '../validation.js';
import { heraldBaseUrl, queueDelivery } from './notify.js';
import { deliveryView, destinationRow, type DeliveryView } from './reads.js';
import { destinationUrl, loopbackAllowed } from './urls.js';

/*
 * Configuring the company's own channels (the `destinations:manage`
 * permission: admins and owners). Every write is one `db.atomic` with its
 * audit row. A destination's URL and signing secret are secrets: audit rows
 * hold the masked URL only, and the secret is returned once, to the caller
 * that created or rotated it, and never again.
 */

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'> & Partial<Pick<Deps, 'config'>>;

export const DestinationTypeInput = z.enum(DESTINATION_TYPES, { error: `must be one of ${DESTINATION_TYPES.join(', ')}` });

/** The severities it wants (at least one), or null for every severity. */
export const SeveritiesInput = z
  .array(z.union(SEVERITIES.map((s) => z.literal(s)), { error: 'must be 1, 2, 3 or 4' }))
  .min(1, { error: 'choose at least one severity, or all' })
  .max(SEVERITIES.length)
  .transform((list) => [...new Set(list)].sort())
  .nullable();

/** The components it wants (an incident touching any of them), or null for every incident. */
export const ComponentIdsInput = z
  .array(PublicId)
  .min(1, { error: 'choose at least one component, or all' })
  .max(500)
  .transform((list) => [...new Set(list)])
  .nullable();

const Name = z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' });

function createSchema(allowLoopback: boolean, allowPrivate: boolean) {
  return z.object({
    name: Name,
    type: DestinationTypeInput,
    url: destinationUrl({ allowLoopback, allowPrivate }),
    severities: SeveritiesInput.default(null),
    componentIds: ComponentIdsInput.default(null),
    allowPrivate: z.boolean().default(false),
    paused: z.boolean().default(false),
  });
}

export interface CreateDestinationInput {
  name: string;
  type: DestinationType;
  url: string;
  severities?: number[] | null;
  componentIds?: string[] | null;
  allowPrivate?: boolean;
  paused?: boolean;
}

/** Only the fields given change; `url` only when given (the admin form leaves it blank to keep it). */
export interface UpdateDestinationInput {
  name?: string;
  type?: DestinationType;
  url?: string;
  severities?: number[] | null;
  componentIds?: string[] | null;
  allowPrivate?: boolean;
  paused?: boolean;
}

function updateSchema(allowLoopback: boolean, allowPrivate: boolean) {
  return z.object({
    name: Name.optional(),
    type: DestinationTypeInput.optional(),
    url: destinationUrl({ allowLoopback, allowPrivate }).optional(),
    severities: SeveritiesInput.optional(),
    componentIds: ComponentIdsInput.optional(),
    allowPrivate: z.boolean().optional(),
    paused: z.boolean().optional(),
  });
}

const allowPrivateOf = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && (raw as { allowPrivate?: unknown }).allowPrivate === true;

async function assertComponentsExist(deps: Pick<Deps, 'repos'>, ids: readonly string[] | null | undefined): Promise<void> {
  if (!ids?.length) return;
  const found = new Set((await deps.repos.components.findByIds(ids)).map((c) => c.id));
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length) {
    throw new ValidationError('Unknown component.', { componentIds: [`no such component: ${unknown.join(', ')}`] });
  }
}

/** What the audit log keeps of a destination's settings: the URL masked, never the secret. */
function auditView(row: Pick<DestinationRow, 'name' | 'type' | 'url' | 'severities' | 'componentIds' | 'allowPrivate' | 'pausedAt'>) {
  return {
    name: row.name,
    type: row.type,
    url: maskUrl(row.url),
    severities: row.severities,
    componentIds: row.componentIds,
    allowPrivate: row.allowPrivate,
    paused: row.pausedAt !== null,
  };
}

export interface SavedDestination {
  id: string;
  /** The new signing secret ("whsec_..."), when this write made one: show it once. */
  signingSecret: string | null;
}

/** Creates a destination. A webhook destination gets a new signing secret, returned once. */
export async function createDestination(deps: WriteDeps, actor: Actor, raw: CreateDestinationInput): Promise<SavedDestination> {
  authorize(actor, 'destinations:manage');
  const input = parseInput(createSchema(loopbackAllowed(deps.config), allowPrivateOf(raw)), raw);
  await assertComponentsExist(deps, input.componentIds);
  const now = deps.clock.now();
  const row: DestinationRow = {
    id: newId(),
    name: input.name,
    type: input.type,
    url: input.url,
    signingSecret: input.type === 'webhook' ? generateWebhookSecret() : null,
    severities: input.severities,
    componentIds: input.componentIds,
    allowPrivate: input.allowPrivate,
    pausedAt: input.paused ? now : null,
    createdAt: now,
    updatedAt: now,
  };
  await deps.db.atomic([
    deps.repos.destinations.insert(row),
    auditEntry(deps, actor, { action: 'destination.create', targetType: 'destination', targetId: row.id, details: auditView(row) }),
  ]);
  return { id: row.id, signingSecret: row.signingSecret };
}

/**
 * Changes what is given. A destination that becomes a webhook gets a signing
 * secret (returned once); one that stops being a webhook loses it.
 */
export async function updateDestination(deps: WriteDeps, actor: Actor, id: string, raw: UpdateDestinationInput): Promise<SavedDestination> {
  authorize(actor, 'destinations:manage');
  const row = await destinationRow(deps, id);
  const allowPrivate = typeof raw === 'object' && raw !== null && typeof raw.allowPrivate === 'boolean' ? raw.allowPrivate : row.allowPrivate;
  const input = parseInput(updateSchema(loopbackAllowed(deps.config), allowPrivate), raw);
  await assertComponentsExist(deps, input.componentIds);
  const now = deps.clock.now();
  const next: DestinationRow = {
    ...row,
    name: input.name ?? row.name,
    type: input.type ?? row.type,
    url: input.url ?? row.url,
    severities: input.severities === undefined ? row.severities : input.severities,
    componentIds: input.componentIds === undefined ? row.componentIds : input.componentIds,
    allowPrivate: input.allowPrivate ?? row.allowPrivate,
    pausedAt: input.paused === undefined ? row.pausedAt : input.paused ? (row.pausedAt ?? now) : null,
  };
  let signingSecret: string | null = null;
  if (next.type === 'webhook' && !row.signingSecret) next.signingSecret = signingSecret = generateWebhookSecret();
  if (next.type !== 'webhook') next.signingSecret = null;
  // The stored URL may have been saved under other rules (allow private ticked then): check the one that will be used.
  if (input.url === undefined && input.allowPrivate === false && row.allowPrivate) {
    parseInput(z.object({ url: destinationUrl({ allowLoopback: loopbackAllowed(deps.config), allowPrivate: false }) }), { url: row.url });
  }
  const before = auditView(row);
  const after = auditView(next);
  const changed = (Object.keys(before) as (keyof typeof before)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  const urlChanged = next.url !== row.url;
  if (!changed.length && !urlChanged && !signingSecret) return { id, signingSecret: null };
  const patch: DestinationPatch = {
    name: next.name,
    type: next.type,
    url: next.url,
    signingSecret: next.signingSecret,
    severities: next.severities,
    componentIds: next.componentIds,
    allowPrivate: next.allowPrivate,
    pausedAt: next.pausedAt,
    updatedAt: now,
  };
  const details: Record<string, unknown> = {
    before: Object.fromEntries(changed.map((key) => [key, before[key]])),
    after: Object.fromEntries(changed.map((key) => [key, after[key]])),
  };
  // Two URLs can mask alike: say that it changed, without saying what it is.
  if (urlChanged) details.urlReplaced = true;
  if (signingSecret) details.signingSecret = 'created';
  await deps.db.atomic([
    deps.repos.destinations.update(id, patch),
    auditEntry(deps, actor, { action: 'destination.update', targetType: 'destination', targetId: id, details }),
  ]);
  return { id, signingSecret };
}

/** Deletes a destination with its delivery log (messages still queued for it are dropped). */
export async function deleteDestination(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'destinations:manage');
  const row = await destinationRow(deps, id);
  await deps.db.atomic([
    deps.repos.destinations.delete(id),
    auditEntry(deps, actor, { action: 'destination.delete', targetType: 'destination', targetId: id, details: auditView(row) }),
  ]);
}

async function setPaused(deps: WriteDeps, actor: Actor, id: string, paused: boolean): Promise<void> {
  authorize(actor, 'destinations:manage');
  const row = await destinationRow(deps, id);
  if ((row.pausedAt !== null) === paused) return;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.destinations.update(id, { pausedAt: paused ? now : null, updatedAt: now }),
    auditEntry(deps, actor, {
      action: paused ? 'destination.pause' : 'destination.resume',
      targetType: 'destination',
      targetId: id,
      details: { name: row.name },
    }),
  ]);
}

/** Pauses a destination: nothing new is queued for it, and what is queued waits. Pausing a paused one changes nothing. */
export async function pauseDestination(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  await setPaused(deps, actor, id, true);
}

/** Resumes a paused destination: what waited is sent, and new incidents reach it again. */
export async function resumeDestination(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  await setPaused(deps, actor, id, false);
}

/** A new signing secret for a webhook destination, returned once; the old one stops working at once. */
export async function rotateSigningSecret(deps: WriteDeps, actor: Actor, id: string): Promise<string> {
  authorize(actor, 'destinations:manage');
  const row = await destinationRow(deps, id);
  if (row.type !== 'webhook') throw new ConflictError('Only webhook destinations have a signing secret.');
  const secret = generateWebhookSecret();
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.destinations.update(id, { signingSecret: secret, updatedAt: now }),
    auditEntry(deps, actor, { action: 'destination.rotate_secret', targetType: 'destination', targetId: id, details: { name: row.name } }),
  ]);
  return secret;
}

/** "Ada Lovelace <ada@example.com>" -> "Ada Lovelace". */
const personOf = (actor: Actor): string => actor.label.replace(/\s*<[^>]*>$/, '');

/** The test message: an InternalNotification of kind 'test', about no incident, naming who sent it. */
export async function testNotification(
  deps: Pick<Deps, 'repos'> & Partial<Pick<Deps, 'config'>>,
  destination: Pick<DestinationRow, 'id' | 'name'>,
  sentBy: string,
  now: number,
): Promise<InternalNotification> {
  const base = await heraldBaseUrl(deps);
  return {
    kind: 'test',
    incidentId: 'test',
    title: `Test message to ${destination.name}`,
    severity: 4,
    severityLabel: 'Test',
    status: 'Test',
    text: `This is a test message from Herald, sent by ${sentBy}. If you can read it here, incidents will reach this channel. Nothing is wrong.`,
    impact: null,
    startedAt: now,
    nextUpdateAt: null,
    roles: {},
    links: { admin: `${base}/admin/destinations/${destination.id}`, public: `${base}/` },
    postedOnStatusPage: false,
    extraFacts: [{ label: 'Destination', value: destination.name }],
  };
}

/**
 * Queues a test message through the same outbox as real messages. A paused
 * destination accepts it too: it waits in the queue and goes out on resume.
 */
export async function sendTestMessage(deps: WriteDeps, actor: Actor, id: string): Promise<{ paused: boolean; delivery: DeliveryView }> {
  authorize(actor, 'destinations:manage');
  const row = await destinationRow(deps, id);
  const now = deps.clock.now();
  const message = await testNotification(deps, row, personOf(actor), now);
  await deps.db.atomic([
    queueDelivery(deps, id, message, now),
    auditEntry(deps, actor, { action: 'destination.test', targetType: 'destination', targetId: id, details: { name: row.name } }),
  ]);
  // The newest row of its log is the one just queued (ids grow in queue order).
  const [queued] = await deps.repos.destinations.deliveriesOf(id, 1);
  return { paused: row.pausedAt !== null, delivery: deliveryView(queued!) };
}

import { z } from 'zod';
import { generateWebhookSecret } from '../../channels/webhook.js';
import type { ChannelSubscriberRow } from '../../db/schema.js';
import { CHANNEL_SUBSCRIBER_TYPE_LABELS, CHANNEL_SUBSCRIBER_TYPES } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { constantTimeEqual, randomToken } from '../../lib/crypto.js';
import { NotFoundError, TooManyRequestsError, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { urlHost } from '../../lib/mask.js';
import { composeChannelAlreadySubscribedEmail, composeChannelConfirmEmail, type ChannelMailTarget } from '../../mail/channel-subscriber-mail.js';
import type { ComposedEmail } from '../../mail/frame.js';
import type { MailTransport } from '../../mail/transport.js';
import { sendTeamEmail } from '../auth/password-mail.js';
import { endpointAddressProblem, endpointShapeProblem, MAX_ENDPOINT_URL_LENGTH, type EndpointRules } from './endpoint-rules.js';
import { reserveAttempts } from '../auth/throttle.js';
import { loadEmailPage } from '../settings/reads.js';
import { checkedScope, EmailAddress, loadNames, namesOf, NOTICE_INTERVAL_MS, ScopeInput, SUBSCRIBE_LIMIT } from '../subscribers/subscriptions.js';
import { parseInput } from '../validation.js';

/**
 * Subscribing a webhook, Slack, Microsoft Teams or Discord endpoint, with
 * double opt-in through a contact email. As for email subscribers, the form
 * answers the same way whatever is already subscribed (no enumeration):
 * - a new endpoint URL: pending, a confirmation email to the contact;
 * - pending: type, contact and choice updated, the confirmation sent again;
 * - confirmed or disabled: an "already subscribed" email to its contact on
 *   record (never to whoever typed the URL this time).
 * Emails about the subscription go out at most once per NOTICE_INTERVAL_MS
 * per endpoint (claimed on last_notice_at), after the response (deps.defer).
 * The URL is checked against the outbound SSRF rules here (endpoint-rules.ts),
 * so a customer learns at once that an address cannot be reached; the
 * delivery checks again at every send (DNS can change).
 */

const CHANNEL_SUBSCRIBE_WINDOW_MS = 60 * 60_000;

export const ChannelType = z.enum(CHANNEL_SUBSCRIBER_TYPES, { error: 'choose Webhook, Slack, Microsoft Teams or Discord' });

export const ChannelSubscribeInput = z.object({
  type: ChannelType,
  url: z
    .string()
    .trim()
    .min(1, { error: 'is required' })
    .max(MAX_ENDPOINT_URL_LENGTH, { error: `must be at most ${MAX_ENDPOINT_URL_LENGTH.toLocaleString('en')} characters` }),
  contactEmail: EmailAddress,
  scope: ScopeInput.default({ all: true, componentIds: [], groupIds: [] }),
});
export type ChannelSubscribeInput = z.input<typeof ChannelSubscribeInput>;

/** The token in every link of a channel subscription's emails: "<id>.<secret>". */
export function channelSubscriberToken(subscriber: Pick<ChannelSubscriberRow, 'id' | 'secret'>): string {
  return `${subscriber.id}.${subscriber.secret}`;
}

/** The channel subscription a link token belongs to; NotFoundError for anything else. */
export async function channelSubscriberByToken(deps: Pick<Deps, 'repos'>, token: string): Promise<ChannelSubscriberRow> {
  const parts = token.split('.');
  const [id, secret] = parts.length === 2 ? parts : [];
  const subscriber = id && secret && /^[a-z0-9]{6,32}$/.test(id) ? await deps.repos.channelSubscribers.findById(id) : undefined;
  if (!subscriber || !secret || !constantTimeEqual(secret, subscriber.secret)) {
    throw new NotFoundError('This link is not valid (it may be incomplete, or the subscription was removed).');
  }
  return subscriber;
}

type SubscribeDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'config' | 'outbound' | 'views' | 'log' | 'defer'> & { mail: MailTransport };

/**
 * The public form. Throws only for invalid input (ValidationError, with the
 * field: type, url, contactEmail or scope) or too many submissions from one
 * client address; otherwise the outcome is deliberately invisible.
 */
export async function subscribeChannel(
  deps: SubscribeDeps,
  raw: Omit<ChannelSubscribeInput, 'type'> & { type: string },
  client: { address: string; baseUrl: string },
): Promise<void> {
  const input = parseInput(ChannelSubscribeInput, raw);
  const rules: EndpointRules = { allowLoopback: deps.config.outbound.allowLoopback, resolve: deps.outbound.resolve };
  const shape = endpointShapeProblem(input.url, input.type, rules);
  if ('problem' in shape) throw new ValidationError(`The URL ${shape.problem}.`, { url: [shape.problem] });
  const scope = await checkedScope(deps, input.scope);
  // Before any DNS lookup: the form must not become a free resolver.
  const refused = await reserveAttempts(deps, [{ key: `channel-subscribe:${client.address}`, max: SUBSCRIBE_LIMIT }], CHANNEL_SUBSCRIBE_WINDOW_MS);
  if (refused) {
    throw new TooManyRequestsError('Too many subscription requests from your network. Try again in an hour.', refused.retryAfterSeconds);
  }
  const addressProblem = await endpointAddressProblem(shape.url, rules);
  if (addressProblem) throw new ValidationError(`The URL ${addressProblem}.`, { url: [addressProblem] });

  const url = shape.url.href;
  const now = deps.clock.now();
  const scopeColumns = { allComponents: scope.all, componentIds: scope.componentIds, groupIds: scope.groupIds };
  const row = {
    id: newId(),
    type: input.type,
    url,
    contactEmail: input.contactEmail,
    secret: randomToken(24),
    ...scopeColumns,
    createdAt: now,
    updatedAt: now,
    lastNoticeAt: now,
  };
  // A new URL: one row, even when the form is sent twice at once (the loser sees the winner's row below).
  if ((await deps.db.claim(deps.repos.channelSubscribers.insertPendingIfNewUrl(row))) === 1) {
    deps.defer(emailContact(deps, 'confirm', row, client.baseUrl));
    return;
  }
  const existing = await deps.repos.channelSubscribers.findByUrl(url);
  if (!existing) return;
  let current = existing;
  if (existing.status === 'pending') {
    // A corrected contact: the old contact's link stops working, and the new one is emailed now (not spaced).
    const newContact = existing.contactEmail !== input.contactEmail ? { secret: randomToken(24), lastNoticeAt: null } : {};
    const patch = { type: input.type, contactEmail: input.contactEmail, ...scopeColumns, ...newContact, updatedAt: now };
    await deps.db.atomic([deps.repos.channelSubscribers.update(existing.id, patch)]);
    current = { ...existing, ...patch };
  }
  // Spaced: one email per endpoint per interval, however often (or concurrently) the form is sent.
  if ((await deps.db.claim(deps.repos.channelSubscribers.claimNotice(existing.id, now, now - NOTICE_INTERVAL_MS))) !== 1) return;
  deps.defer(emailContact(deps, existing.status === 'pending' ? 'confirm' : 'already_subscribed', current, client.baseUrl));
}

/** The confirmation or "already subscribed" email, straight through deps.mail (never throws for provider trouble). */
async function emailContact(
  deps: Pick<Deps, 'repos' | 'views' | 'log'> & { mail: MailTransport },
  kind: 'confirm' | 'already_subscribed',
  subscriber: Pick<ChannelSubscriberRow, 'id' | 'secret' | 'contactEmail' | 'type' | 'url' | 'allComponents' | 'componentIds' | 'groupIds'>,
  baseUrl: string,
): Promise<void> {
  const page = await loadEmailPage(deps, baseUrl);
  const target: ChannelMailTarget = {
    email: subscriber.contactEmail,
    token: channelSubscriberToken(subscriber),
    type: subscriber.type,
    host: urlHost(subscriber.url),
  };
  let email: ComposedEmail;
  if (kind === 'confirm') {
    const names = subscriber.allComponents ? [] : namesOf({ componentIds: subscriber.componentIds, groupIds: subscriber.groupIds }, await loadNames(deps));
    email = composeChannelConfirmEmail(deps.views, page, target, { all: subscriber.allComponents, names });
  } else {
    email = composeChannelAlreadySubscribedEmail(deps.views, page, target);
  }
  await sendTeamEmail(deps, email, {
    key: `herald-channel/${newId()}`,
    log: { kind, channelSubscriberId: subscriber.id, type: subscriber.type },
    what: 'channel subscription email',
  });
}

/** What the confirmation did: the subscription now, and its signing secret when this very request confirmed a webhook. */
export interface ChannelConfirmation {
  subscriber: ChannelSubscriberRow;
  /** Shown once, on the page answering the confirming POST; null otherwise. */
  signingSecret: string | null;
}

/** The confirmation button. Exactly once: a second POST (or two at once) confirms nothing more and shows no secret. */
export async function confirmChannel(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, token: string): Promise<ChannelConfirmation> {
  const subscriber = await channelSubscriberByToken(deps, token);
  if (subscriber.status !== 'pending') return { subscriber, signingSecret: null };
  const now = deps.clock.now();
  const signingSecret = subscriber.type === 'webhook' ? generateWebhookSecret() : null;
  if ((await deps.db.claim(deps.repos.channelSubscribers.confirm(subscriber.id, now, signingSecret))) === 1) {
    return { subscriber: { ...subscriber, status: 'confirmed', confirmedAt: now, updatedAt: now, signingSecret }, signingSecret };
  }
  return { subscriber: await channelSubscriberByToken(deps, token), signingSecret: null };
}

/** Changes which components a channel subscription hears about. */
export async function updateChannelScope(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, token: string, raw: ScopeInput): Promise<ChannelSubscriberRow> {
  const subscriber = await channelSubscriberByToken(deps, token);
  const scope = await checkedScope(deps, parseInput(ScopeInput, raw));
  const patch = { allComponents: scope.all, componentIds: scope.componentIds, groupIds: scope.groupIds, updatedAt: deps.clock.now() };
  await deps.db.atomic([deps.repos.channelSubscribers.update(subscriber.id, patch)]);
  return { ...subscriber, ...patch };
}

/** Turns a disabled subscription back on (its failure streak forgotten). Does nothing to one that is not disabled. */
export async function reEnableChannel(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, token: string): Promise<ChannelSubscriberRow> {
  const subscriber = await channelSubscriberByToken(deps, token);
  if (subscriber.status !== 'disabled') return subscriber;
  await deps.db.claim(deps.repos.channelSubscribers.reEnable(subscriber.id, deps.clock.now()));
  return channelSubscriberByToken(deps, token);
}

/** Unsubscribing removes the subscription (and, by cascade, its queued deliveries). Returns what was removed. */
export async function unsubscribeChannel(deps: Pick<Deps, 'repos' | 'db'>, token: string): Promise<ChannelSubscriberRow> {
  const subscriber = await channelSubscriberByToken(deps, token);
  await deps.db.atomic([deps.repos.channelSubscribers.delete(subscriber.id)]);
  return subscriber;
}

/** A subscription's health in words, for its manage page. */
export function describeChannelHealth(
  subscriber: Pick<ChannelSubscriberRow, 'status' | 'lastSuccessAt' | 'lastFailureAt' | 'lastFailureStatus' | 'lastFailureError' | 'failingSince' | 'disabledAt'>,
  disableAfterHours: number,
): { tone: 'ok' | 'warn' | 'bad' | 'none'; text: string; lastFailure: string | null } {
  const lastFailure =
    subscriber.lastFailureAt === null
      ? null
      : subscriber.lastFailureStatus !== null
        ? `HTTP ${subscriber.lastFailureStatus}${subscriber.lastFailureError ? ` (${subscriber.lastFailureError})` : ''}`
        : (subscriber.lastFailureError ?? 'no answer');
  if (subscriber.status === 'pending') return { tone: 'none', text: 'Not confirmed yet: nothing is sent to it.', lastFailure: null };
  if (subscriber.status === 'disabled') {
    return {
      tone: 'bad',
      text: `Disabled: every delivery failed for more than ${disableAfterHours} hours, so nothing more is sent until you turn it back on.`,
      lastFailure,
    };
  }
  if (subscriber.failingSince !== null) {
    return {
      tone: 'warn',
      text: `Failing: the last deliveries did not get a 2xx answer. Herald keeps retrying; after ${disableAfterHours} hours of failures it stops and emails the contact.`,
      lastFailure,
    };
  }
  if (subscriber.lastSuccessAt !== null) return { tone: 'ok', text: 'Working: the last delivery got a 2xx answer.', lastFailure };
  return { tone: 'none', text: 'Confirmed. Nothing has been sent to it yet.', lastFailure };
}

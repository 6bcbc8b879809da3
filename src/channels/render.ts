import type { DestinationType } from '../domain/constants.js';
import { buildDiscordMessage } from './discord.js';
import { buildGoogleChatMessage } from './google-chat.js';
import type { InternalNotification } from './message.js';
import { buildSlackMessage } from './slack.js';
import { buildTeamsMessage } from './teams.js';
import { buildWebhookBody, signWebhook } from './webhook.js';

/*
 * One queued delivery as the HTTP request its destination expects. The body
 * is built with `now` = when the delivery was queued, so every attempt of a
 * message sends the same bytes (a receiver that deduplicates, or compares,
 * sees one message); only the generic webhook's `webhook-timestamp` and
 * signature are per attempt, as the Standard Webhooks specification wants
 * (receivers refuse old timestamps), while `webhook-id` is the delivery's
 * message id, the same on every attempt.
 */

export interface RenderTarget {
  type: DestinationType;
  /** Standard Webhooks secret ("whsec_..."), for type webhook. */
  signingSecret: string | null;
}

export interface RenderedRequest {
  body: string;
  headers: Record<string, string>;
}

export class RenderError extends Error {}

export async function renderForDestination(
  destination: RenderTarget,
  message: InternalNotification,
  delivery: { messageId: string; createdAt: number },
  attemptAt: number,
): Promise<RenderedRequest> {
  const json = { 'content-type': 'application/json' };
  const now = delivery.createdAt;
  switch (destination.type) {
    case 'slack':
      return { body: JSON.stringify(buildSlackMessage(message, now)), headers: json };
    case 'teams':
      return { body: JSON.stringify(buildTeamsMessage(message, now)), headers: json };
    case 'discord':
      return { body: JSON.stringify(buildDiscordMessage(message, now)), headers: json };
    case 'google_chat':
      return { body: JSON.stringify(buildGoogleChatMessage(message, now)), headers: { 'content-type': 'application/json; charset=UTF-8' } };
    case 'webhook': {
      if (!destination.signingSecret) throw new RenderError('the webhook destination has no signing secret');
      const body = JSON.stringify(buildWebhookBody(message, now));
      const signed = await signWebhook({ secret: destination.signingSecret, id: delivery.messageId, now: attemptAt, body });
      return { body: signed.body, headers: { ...signed.headers } };
    }
  }
}

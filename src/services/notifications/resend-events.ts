import { z } from 'zod';
import { MINUTE } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { SVIX_DEFAULT_TOLERANCE_SECONDS } from '../../lib/svix.js';
import { reserveAttempts } from '../auth/throttle.js';
import { suppressAddress } from '../subscribers/subscriptions.js';

/**
 * The parts of Resend's webhook events Herald acts on. Everything else in the
 * payload is ignored, and so are event types other than these.
 */
const ResendEvent = z.object({
  type: z.string().max(100),
  data: z
    .object({
      to: z.union([z.string(), z.array(z.string())]).optional(),
      bounce: z.object({ type: z.string().max(100).optional(), message: z.string().optional() }).partial().optional(),
    })
    .partial()
    .default({}),
});

/** Bounce types that are not final (a full mailbox, a temporary failure): no suppression for those. */
const TEMPORARY_BOUNCES = new Set(['transient', 'undetermined']);

/**
 * How long a message id is remembered: a signed message is accepted while its
 * timestamp is within the tolerance either side of now, so the same message
 * can arrive again for twice the tolerance.
 */
export const REPLAY_WINDOW_MS = 2 * SVIX_DEFAULT_TOLERANCE_SECONDS * 1000 + MINUTE;

export type ResendEventOutcome = { duplicate: true } | { duplicate: false; suppressed: number };

/**
 * A verified Resend event (bounces and complaints suppress the address). A
 * message id seen before within REPLAY_WINDOW_MS is acknowledged and ignored:
 * a captured request replayed inside the signature's window does nothing. If
 * handling fails, the id is forgotten again so Resend's retry is handled.
 */
export async function handleResendEvent(
  deps: Pick<Deps, 'repos' | 'db' | 'clock' | 'log'>,
  message: { id: string; body: string },
): Promise<ResendEventOutcome> {
  let json: unknown;
  try {
    json = JSON.parse(message.body);
  } catch {
    throw new ValidationError('The webhook body is not JSON.');
  }
  const parsed = ResendEvent.safeParse(json);
  if (!parsed.success) throw new ValidationError('The webhook body is not a Resend event.');
  if (message.id.length > 200) throw new ValidationError('The svix-id header is longer than 200 characters.');
  const key = `svix-message:${message.id}`;
  const seenAt = deps.clock.now();
  if (await reserveAttempts(deps, [{ key, max: 1 }], REPLAY_WINDOW_MS)) return { duplicate: true };
  try {
    return { duplicate: false, suppressed: await suppressFor(deps, parsed.data) };
  } catch (error) {
    await deps.db.atomic([deps.repos.accounts.releaseAttempt(key, seenAt)]);
    throw error;
  }
}

async function suppressFor(deps: Pick<Deps, 'repos' | 'db' | 'clock' | 'log'>, event: z.output<typeof ResendEvent>): Promise<number> {
  const bounceType = event.data.bounce?.type?.toLowerCase();
  const reason =
    event.type === 'email.complained'
      ? 'complaint (marked as spam)'
      : event.type === 'email.bounced' && !(bounceType && TEMPORARY_BOUNCES.has(bounceType))
        ? `bounced${event.data.bounce?.message ? `: ${event.data.bounce.message}` : ''}`
        : null;
  if (!reason) return 0;
  const recipients = typeof event.data.to === 'string' ? [event.data.to] : (event.data.to ?? []);
  let suppressed = 0;
  for (const email of recipients.slice(0, 50)) {
    if (await suppressAddress(deps, email, reason)) suppressed++;
  }
  deps.log.info('mail: suppressed after a Resend event', { type: event.type, suppressed });
  return suppressed;
}

import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError, NotFoundError, ValidationError } from '../lib/errors.js';
import { verifySvixSignature } from '../lib/svix.js';
import { suppressAddress } from '../services/subscriptions.js';

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
 * POST /webhooks/resend: bounces and complaints from Resend suppress the
 * address. The Svix signature is checked on the raw body before anything is
 * parsed; without RESEND_WEBHOOK_SECRET the endpoint does not exist.
 */
export function webhookRoutes(deps: Deps): Hono {
  const app = new Hono();
  app.post('/resend', async (c) => {
    const secret = deps.config.mail.webhookSecret;
    if (!secret) throw new NotFoundError();
    const body = await c.req.text();
    const verified = await verifySvixSignature({
      secret,
      id: c.req.header('svix-id'),
      timestamp: c.req.header('svix-timestamp'),
      signature: c.req.header('svix-signature'),
      body,
      nowMs: deps.clock.now(),
    });
    if (!verified.ok) throw new AppError(401, 'invalid_signature', `The webhook signature is not valid: ${verified.reason}.`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ValidationError('The webhook body is not JSON.');
    }
    const parsed = ResendEvent.safeParse(json);
    if (!parsed.success) throw new ValidationError('The webhook body is not a Resend event.');
    const event = parsed.data;
    const bounceType = event.data.bounce?.type?.toLowerCase();
    const reason =
      event.type === 'email.complained'
        ? 'complaint (marked as spam)'
        : event.type === 'email.bounced' && !(bounceType && TEMPORARY_BOUNCES.has(bounceType))
          ? `bounced${event.data.bounce?.message ? `: ${event.data.bounce.message}` : ''}`
          : null;
    if (!reason) return c.json({ received: true, suppressed: 0 });
    const recipients = typeof event.data.to === 'string' ? [event.data.to] : (event.data.to ?? []);
    let suppressed = 0;
    for (const email of recipients.slice(0, 50)) {
      if (await suppressAddress(deps, email, reason)) suppressed++;
    }
    deps.log.info('mail: suppressed after a Resend event', { type: event.type, suppressed });
    return c.json({ received: true, suppressed });
  });
  return app;
}

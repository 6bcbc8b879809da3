import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { verifySvixSignature } from '../lib/svix.js';
import { handleResendEvent } from '../services/notifications/resend-events.js';

/**
 * POST /webhooks/resend: bounces and complaints from Resend suppress the
 * address (services/notifications/resend-events.ts). The Svix signature is checked on the
 * raw body before anything is parsed; without RESEND_WEBHOOK_SECRET the
 * endpoint does not exist.
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
    // The signature covers the id, so a verified id is the sender's own.
    const outcome = await handleResendEvent(deps, { id: c.req.header('svix-id')!, body });
    return c.json({ received: true, ...(outcome.duplicate ? { duplicate: true, suppressed: 0 } : { suppressed: outcome.suppressed }) });
  });
  return app;
}

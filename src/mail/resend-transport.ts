import { Resend } from 'resend';
import type { BatchOutcome, MailTransport, OutgoingEmail } from './transport.js';
import { parseRetryAfter } from '../lib/outbound.js';

export interface ResendTransportOptions {
  apiKey: string;
  /** Resend's API base URL; the SDK's default when null. */
  baseUrl: string | null;
  from: string;
  /** A request that takes longer is abandoned and retried (with the same idempotency key). */
  timeoutMs?: number;
}

/** Resend batch API limit. */
const RESEND_MAX_BATCH = 100;

/**
 * Resend through its official SDK: `batch.send` with an idempotency key per
 * batch, in permissive mode (one bad address fails alone, the others go). The
 * SDK reports errors as values, including network failures and timeouts
 * (statusCode null); anything it throws anyway is treated the same way.
 */
export function resendTransport(options: ResendTransportOptions): MailTransport {
  const resend = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    name: 'resend',
    maxBatch: RESEND_MAX_BATCH,
    async sendBatch(emails: readonly OutgoingEmail[], idempotencyKey: string): Promise<BatchOutcome> {
      let response;
      try {
        response = await resend.batch.send(
          emails.map((email) => ({
            from: options.from,
            to: [email.to],
            subject: email.subject,
            html: email.html,
            text: email.text,
            headers: email.headers,
          })),
          { idempotencyKey, batchValidation: 'permissive', signal: AbortSignal.timeout(timeoutMs) },
        );
      } catch (error) {
        return { kind: 'retry', error: `request failed: ${error instanceof Error ? error.message : String(error)}` };
      }
      const { data, error, headers } = response;
      if (error) return classifyError(error, headers);
      // Permissive mode: `data` lists the accepted emails in order, `errors` the refused ones by index.
      const refused = new Map((data.errors ?? []).map((e) => [e.index, e.message]));
      const ids = data.data.map((d) => d.id);
      const results = emails.map((_email, index) => {
        const reason = refused.get(index);
        if (reason !== undefined) return { error: `refused by Resend: ${reason}` };
        const id = ids.shift();
        return id ? { id } : { error: 'Resend returned fewer ids than accepted emails' };
      });
      return { kind: 'accepted', results };
    },
  };
}

interface ResendError {
  statusCode?: number | null;
  name?: string;
  message?: string;
}

/** Which Resend errors are worth retrying, and when. */
export function classifyError(error: ResendError, headers: Record<string, string> | null, now: number = Date.now()): BatchOutcome {
  const status = error.statusCode ?? null;
  const text = `${status ?? 'network'} ${error.name ?? 'error'}: ${error.message ?? ''}`.trim();
  // The one Retry-After reading (seconds or an HTTP date), shared with the destinations' sender.
  const retryAfter = parseRetryAfter(headers?.['retry-after'] ?? null, now);
  const retryAfterMs = retryAfter !== null && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (status === null || status === 429 || status >= 500) return { kind: 'retry', error: text, retryAfterMs };
  // A key used before with another body: an earlier attempt with this key was
  // accepted, and its content changed since (an edit during a retry). Treat as
  // sent: sending again would be the duplicate the key exists to prevent.
  if (error.name === 'invalid_idempotent_request') return { kind: 'accepted', results: [] };
  if (error.name === 'concurrent_idempotent_requests') return { kind: 'retry', error: text, retryAfterMs: 5_000 };
  // Wrong key, unverified domain, suspended account: a configuration problem.
  // Keep the emails and retry slowly (the error is logged and shown in the admin).
  if (status === 401 || status === 403) return { kind: 'retry', error: text, retryAfterMs: 5 * 60_000 };
  return { kind: 'rejected', error: text };
}

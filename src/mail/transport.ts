/** One email, ready to hand to a provider (the From address is the transport's). */
export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/**
 * What became of a batch:
 * - `accepted`: the provider answered for each email, in order (an id, or why
 *   that one address was refused for good);
 * - `retry`: nothing is known to have been sent; try the same batch again
 *   later (429, 5xx, timeouts, network errors), not before `retryAfterMs`;
 * - `rejected`: the provider refused the whole batch for good (the request
 *   itself is invalid): retrying cannot help.
 */
export type BatchOutcome =
  | { kind: 'accepted'; results: ({ id: string } | { error: string })[] }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'rejected'; error: string };

export interface MailTransport {
  /** "resend" or "files": shown in the admin and the logs. */
  readonly name: string;
  /** The largest batch one call takes. */
  readonly maxBatch: number;
  /**
   * Sends a batch. The same `idempotencyKey` is only ever used again for the
   * same emails, so a provider that honours it delivers each email once however
   * often a batch is retried. Never throws for provider or network trouble.
   */
  sendBatch(emails: readonly OutgoingEmail[], idempotencyKey: string): Promise<BatchOutcome>;
}

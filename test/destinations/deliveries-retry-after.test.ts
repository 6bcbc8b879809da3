// One Retry-After reading for both senders: the destinations' (lib/outbound.ts)
// and Resend's (mail/resend-transport.ts classifyError), seconds or an HTTP date.
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/lib/outbound.js';
import { classifyError } from '../../src/mail/resend-transport.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('Retry-After, shared', () => {
  it.each<[string | undefined, number | undefined]>([
    ['7', 7_000],
    ['Mon, 23 Nov 2026 12:01:30 GMT', 90_000],
    ['0', undefined],
    ['soon', undefined],
    [undefined, undefined],
  ])('Resend 429 with Retry-After %s waits %s ms', (value, ms) => {
    const outcome = classifyError({ statusCode: 429, name: 'rate_limit_exceeded', message: 'slow down' }, value === undefined ? {} : { 'retry-after': value }, NOW);
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect(outcome.kind === 'retry' ? outcome.retryAfterMs : 'not a retry').toBe(ms);
  });

  it('reads the same values the destinations sender reads', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7);
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:01:30 GMT', NOW)).toBe(90);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
  });
});

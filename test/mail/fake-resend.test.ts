// The fake Resend API (test/support/fake-resend.ts), driven through the real
// `resend` SDK: proves the fake speaks the API the SDK expects, and pins down
// how the SDK reports each failure an outbox has to handle (it never throws:
// every outcome comes back as `{ data, error, headers }`).
import { Resend } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeResend, type FakeResend } from '../support/fake-resend.js';

const KEY = 're_test_key';
let fake: FakeResend;
let resend: Resend;

beforeAll(async () => {
  fake = await startFakeResend({ apiKey: KEY });
  resend = new Resend(KEY, { baseUrl: fake.url });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.setLatency(0);
});

/** A valid email; `n` varies the recipient and subject. */
function email(n: number, extra: { headers?: Record<string, string> } = {}) {
  return {
    from: 'Herald <status@example.com>',
    to: [`reader${n}@example.org`],
    subject: `Update ${n}`,
    html: `<p>Update ${n}</p>`,
    text: `Update ${n}`,
    ...extra,
  };
}

describe('sending', () => {
  it('delivers a single email with its custom headers and returns its id', async () => {
    const headers = { 'List-Unsubscribe': '<https://status.example.com/u/abc>', 'X-Herald-Outbox': '42' };
    const result = await resend.emails.send(email(1, { headers }));

    expect(result.error).toBeNull();
    expect(fake.deliveries).toHaveLength(1);
    const [delivered] = fake.deliveries;
    expect(result.data).toEqual({ id: delivered!.id });
    expect(delivered).toMatchObject({
      from: 'Herald <status@example.com>',
      to: ['reader1@example.org'],
      subject: 'Update 1',
      html: '<p>Update 1</p>',
      text: 'Update 1',
      headers,
      idempotencyKey: null,
      batchIndex: null,
    });
    expect(delivered!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/emails', status: 200, outcome: 'answered', replay: false });
    expect(request!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request!.headers['content-type']).toBe('application/json');
    // The SDK maps camelCase options to the API's snake_case body; undefined ones vanish in JSON.
    expect(request!.body).toEqual({ ...email(1, { headers }), to: ['reader1@example.org'] });
  });

  it('accepts `to` as a single string, and a bare from address', async () => {
    const result = await resend.emails.send({ from: 'status@example.com', to: 'one@example.org', subject: 's', text: 't' });
    expect(result.error).toBeNull();
    expect(fake.deliveries[0]).toMatchObject({ from: 'status@example.com', to: ['one@example.org'], html: undefined, text: 't', headers: {} });
  });

  it('delivers a batch in order, keeping each email’s custom headers', async () => {
    const batch = [email(1, { headers: { 'X-Entity-Ref-ID': 'a' } }), email(2, { headers: { 'X-Entity-Ref-ID': 'b' } })];
    const result = await resend.batch.send(batch);

    expect(result.error).toBeNull();
    expect(fake.deliveries.map((d) => [d.batchIndex, d.to[0], d.headers])).toEqual([
      [0, 'reader1@example.org', { 'X-Entity-Ref-ID': 'a' }],
      [1, 'reader2@example.org', { 'X-Entity-Ref-ID': 'b' }],
    ]);
    expect(result.data).toEqual({ data: fake.deliveries.map((d) => ({ id: d.id })) });
    // The SDK always states the batch mode; strict is its default.
    expect(fake.requests[0]!.headers['x-batch-validation']).toBe('strict');
    expect(fake.requests[0]!.path).toBe('/emails/batch');
  });

  it('waitFor resolves once deliveries match, and times out otherwise', async () => {
    const waiting = fake.waitFor((ds) => ds.length >= 2, 1_000);
    await resend.emails.send(email(1));
    await resend.emails.send(email(2));
    expect((await waiting).map((d) => d.subject)).toEqual(['Update 1', 'Update 2']);
    await expect(fake.waitFor((ds) => ds.length > 5, 50)).rejects.toThrow(/timed out/);
  });
});

describe('authentication and routing', () => {
  it('a missing key is an error object (401 missing_api_key), not a throw', async () => {
    // The SDK refuses to construct without a key, so blank the header per request.
    const result = await resend.emails.send(email(1), { headers: { Authorization: '' } });
    expect(result.data).toBeNull();
    expect(result.error).toEqual({ statusCode: 401, name: 'missing_api_key', message: expect.any(String) });
    expect(fake.deliveries).toHaveLength(0);
  });

  it('a wrong key is 403 invalid_api_key, as Resend documents', async () => {
    const result = await new Resend('re_wrong', { baseUrl: fake.url }).emails.send(email(1));
    expect(result.error).toMatchObject({ statusCode: 403, name: 'invalid_api_key' });
    expect(fake.deliveries).toHaveLength(0);
  });

  it('unknown routes are 404 JSON; wrong methods 405', async () => {
    const raw = await fetch(`${fake.url}/nope`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toMatchObject({ statusCode: 404, name: 'not_found' });

    const viaSdk = await resend.emails.get('0b1c5f0e-0000-4000-8000-000000000000');
    expect(viaSdk.error).toMatchObject({ statusCode: 404, name: 'not_found' });

    const wrongMethod = await fetch(`${fake.url}/emails/batch`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ name: 'method_not_allowed' });
  });
});

describe('validation', () => {
  it('rejects a malformed or rejected address with 422 validation_error (single send)', async () => {
    const malformed = await resend.emails.send({ ...email(1), to: ['not-an-address'] });
    expect(malformed.error).toMatchObject({ statusCode: 422, name: 'validation_error' });

    fake.rejectAddress('Gone <GONE@example.org>');
    const rejected = await resend.emails.send({ ...email(1), to: 'gone@example.org' });
    expect(rejected.error).toMatchObject({ statusCode: 422, name: 'validation_error', message: expect.stringContaining('gone@example.org') });

    expect(fake.deliveries).toHaveLength(0);
  });

  it('reports missing fields as 422 missing_required_field', async () => {
    const noSubject = await resend.emails.send({ from: 'a@example.com', to: 'b@example.org', subject: '', text: 'x' });
    expect(noSubject.error).toMatchObject({ statusCode: 422, name: 'missing_required_field' });
    // html/text: the SDK's types demand one, so go around them.
    const noBody = await resend.emails.send({ from: 'a@example.com', to: 'b@example.org', subject: 's' } as never);
    expect(noBody.error).toMatchObject({ statusCode: 422, name: 'missing_required_field', message: expect.stringMatching(/html.*text/) });
  });

  it('enforces 1..50 recipients and 1..100 emails per batch', async () => {
    const tooManyTo = Array.from({ length: 51 }, (_, i) => `r${i}@example.org`);
    expect((await resend.emails.send({ ...email(1), to: tooManyTo })).error).toMatchObject({ statusCode: 422, name: 'validation_error' });

    const empty = await resend.batch.send([]);
    expect(empty.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    const tooMany = await resend.batch.send(Array.from({ length: 101 }, (_, i) => email(i)));
    expect(tooMany.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    const hundred = await resend.batch.send(Array.from({ length: 100 }, (_, i) => email(i)));
    expect(hundred.data?.data).toHaveLength(100);
    expect(fake.deliveries).toHaveLength(100);
  });

  it('strict batch: one bad address fails the whole batch and nothing is delivered', async () => {
    fake.rejectAddress('reader2@example.org');
    const result = await resend.batch.send([email(1), email(2), email(3)]);
    expect(result.data).toBeNull();
    expect(result.error).toMatchObject({ statusCode: 422, name: 'validation_error', message: expect.stringContaining('emails[1]') });
    expect(fake.deliveries).toHaveLength(0);
  });

  it('permissive batch: valid emails go out, the bad ones come back by index', async () => {
    fake.rejectAddress('reader2@example.org');
    const result = await resend.batch.send([email(1), email(2), { ...email(3), to: ['broken'] }, email(4)], { batchValidation: 'permissive' });

    expect(fake.requests[0]!.headers['x-batch-validation']).toBe('permissive');
    expect(result.error).toBeNull();
    expect(fake.deliveries.map((d) => d.batchIndex)).toEqual([0, 3]);
    expect(result.data!.data).toEqual(fake.deliveries.map((d) => ({ id: d.id })));
    expect(result.data!.errors).toEqual([
      { index: 1, message: expect.stringContaining('reader2@example.org') },
      { index: 2, message: expect.stringContaining('`to`') },
    ]);
  });
});

describe('scripted failures', () => {
  it('429 comes back as rate_limit_exceeded, with retry-after readable from result.headers', async () => {
    fake.script({ status: 429, retryAfterSeconds: 7 });
    const limited = await resend.batch.send([email(1)]);

    expect(limited.data).toBeNull();
    expect(limited.error).toEqual({ statusCode: 429, name: 'rate_limit_exceeded', message: expect.any(String) });
    // Retry-After is not on the error: it is on the top-level `headers` of the result.
    expect(limited.headers).toMatchObject({ 'retry-after': '7', 'ratelimit-remaining': '0' });
    expect(fake.deliveries).toHaveLength(0);

    // One-shot: the next request goes through.
    expect(fake.pendingScripts()).toBe(0);
    expect((await resend.batch.send([email(1)])).error).toBeNull();
    expect(fake.deliveries).toHaveLength(1);
  });

  it('5xx comes back as internal_server_error with its status; scripts are consumed in order', async () => {
    fake.script({ status: 500 }, { status: 503 });
    expect((await resend.emails.send(email(1))).error).toMatchObject({ statusCode: 500, name: 'internal_server_error' });
    expect((await resend.emails.send(email(1))).error).toMatchObject({ statusCode: 503, name: 'internal_server_error' });
    expect((await resend.emails.send(email(1))).error).toBeNull();
    expect(fake.deliveries).toHaveLength(1);
  });

  it('a non-JSON 5xx body (a proxy page) becomes application_error carrying the real status', async () => {
    fake.script({ status: 502, rawBody: '<html><body>502 Bad Gateway</body></html>' });
    const result = await resend.emails.send(email(1));
    expect(result.error).toEqual({ statusCode: 502, name: 'application_error', message: expect.stringMatching(/Internal server error/) });
    expect(result.headers).not.toBeNull();
  });
});

describe('idempotency', () => {
  it('acceptThenFail reset: the client sees a network error, the retry replays the same ids and delivers nothing new', async () => {
    const batch = [email(1), email(2)];
    fake.script({ acceptThenFail: 'reset' });
    const first = await resend.batch.send(batch, { idempotencyKey: 'outbox-batch/7' });

    // A dropped connection is not a throw: statusCode null, no headers.
    expect(first.data).toBeNull();
    expect(first.error).toEqual({ statusCode: null, name: 'application_error', message: expect.any(String) });
    expect(first.headers).toBeNull();
    // …yet Resend did send both.
    expect(fake.deliveries).toHaveLength(2);
    expect(fake.deliveries.every((d) => d.idempotencyKey === 'outbox-batch/7')).toBe(true);
    expect(fake.requests[0]).toMatchObject({ outcome: 'reset', status: 200 });

    const retry = await resend.batch.send(batch, { idempotencyKey: 'outbox-batch/7' });
    expect(retry.error).toBeNull();
    expect(retry.data!.data).toEqual(fake.deliveries.map((d) => ({ id: d.id })));
    expect(fake.deliveries).toHaveLength(2);
    expect(fake.requests[1]).toMatchObject({ replay: true, status: 200, idempotencyKey: 'outbox-batch/7' });
  });

  it('acceptThenFail 500: the retry with the same key gets the original id, one delivery', async () => {
    fake.script({ acceptThenFail: 500 });
    const first = await resend.emails.send(email(1), { idempotencyKey: 'confirm/99' });
    expect(first.error).toMatchObject({ statusCode: 500, name: 'internal_server_error' });
    expect(fake.deliveries).toHaveLength(1);

    const retry = await resend.emails.send(email(1), { idempotencyKey: 'confirm/99' });
    expect(retry.data).toEqual({ id: fake.deliveries[0]!.id });
    const again = await resend.emails.send(email(1), { idempotencyKey: 'confirm/99' });
    expect(again.data).toEqual(retry.data);
    expect(fake.deliveries).toHaveLength(1);
  });

  it('without a key, the same retry delivers twice (what the key is for)', async () => {
    fake.script({ acceptThenFail: 500 });
    await resend.emails.send(email(1));
    await resend.emails.send(email(1));
    expect(fake.deliveries).toHaveLength(2);
  });

  it('the same key with a different body is 409 invalid_idempotent_request', async () => {
    expect((await resend.batch.send([email(1)], { idempotencyKey: 'k1' })).error).toBeNull();
    const changed = await resend.batch.send([email(1), email(2)], { idempotencyKey: 'k1' });
    expect(changed.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    // The key is bound to the endpoint and batch mode too.
    const otherMode = await resend.batch.send([email(1)], { idempotencyKey: 'k1', batchValidation: 'permissive' });
    expect(otherMode.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    expect(fake.deliveries).toHaveLength(1);
  });

  it('a second request while the first is in flight is 409 concurrent_idempotent_requests', async () => {
    fake.script({ hangMs: 300 });
    const slow = resend.emails.send(email(1), { idempotencyKey: 'k2' });
    await new Promise((r) => setTimeout(r, 50));
    const concurrent = await resend.emails.send(email(1), { idempotencyKey: 'k2' });
    expect(concurrent.error).toMatchObject({ statusCode: 409, name: 'concurrent_idempotent_requests' });

    const original = await slow;
    expect(original.error).toBeNull();
    expect((await resend.emails.send(email(1), { idempotencyKey: 'k2' })).data).toEqual(original.data);
    expect(fake.deliveries).toHaveLength(1);
  });

  it('only successes are stored: after a validation error the key is free for a corrected request', async () => {
    const bad = await resend.emails.send({ ...email(1), to: 'nope' }, { idempotencyKey: 'k3' });
    expect(bad.error).toMatchObject({ statusCode: 422 });
    expect((await resend.emails.send(email(1), { idempotencyKey: 'k3' })).error).toBeNull();
    expect(fake.deliveries).toHaveLength(1);
  });

  it('keys longer than 256 characters are 400 invalid_idempotency_key', async () => {
    expect((await resend.emails.send(email(1), { idempotencyKey: 'x'.repeat(256) })).error).toBeNull();
    const tooLong = await resend.emails.send(email(2), { idempotencyKey: 'x'.repeat(257) });
    expect(tooLong.error).toMatchObject({ statusCode: 400, name: 'invalid_idempotency_key' });
    expect(fake.deliveries).toHaveLength(1);
  });

  it('reset() forgets keys', async () => {
    await resend.emails.send(email(1), { idempotencyKey: 'k4' });
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    await resend.emails.send(email(1), { idempotencyKey: 'k4' });
    expect(fake.deliveries).toHaveLength(1);
    expect(fake.requests[0]!.replay).toBe(false);
  });
});

describe('timeouts and network failures', () => {
  it('a client timeout (AbortSignal.timeout as `signal`) is application_error with statusCode null, not a throw', async () => {
    fake.script({ hangMs: Infinity });
    const started = Date.now();
    const result = await resend.batch.send([email(1)], { idempotencyKey: 'k5', signal: AbortSignal.timeout(150) });

    // Aborted, not hung until the test's own timeout (the hang is endless).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toEqual({
      data: null,
      error: { statusCode: null, name: 'application_error', message: 'Unable to fetch data. The request could not be resolved.' },
      headers: null,
    });
    // An endless hang is dropped unprocessed once the client leaves, and frees the key.
    await expect.poll(() => fake.requests[0]?.outcome).toBe('dropped');
    expect(fake.deliveries).toHaveLength(0);
    expect((await resend.batch.send([email(1)], { idempotencyKey: 'k5' })).error).toBeNull();
    expect(fake.deliveries).toHaveLength(1);
  });

  it('a finite hang still delivers after the client timed out: only the key prevents a duplicate', async () => {
    fake.script({ hangMs: 250 });
    const timedOut = await resend.emails.send(email(1), { idempotencyKey: 'k6', signal: AbortSignal.timeout(50) });
    expect(timedOut.error).toMatchObject({ statusCode: null, name: 'application_error' });

    await fake.waitFor((ds) => ds.length === 1, 20_000);
    expect(fake.requests[0]).toMatchObject({ outcome: 'client-gone', status: 200 });
    const retry = await resend.emails.send(email(1), { idempotencyKey: 'k6' });
    expect(retry.data).toEqual({ id: fake.deliveries[0]!.id });
    expect(fake.deliveries).toHaveLength(1);
  });

  it('latency keeps the key in flight, so overlapping retries get 409 rather than a duplicate', async () => {
    fake.setLatency(200);
    const [a, b] = await Promise.all([
      resend.emails.send(email(1), { idempotencyKey: 'k7' }),
      new Promise((r) => setTimeout(r, 50)).then(() => resend.emails.send(email(1), { idempotencyKey: 'k7' })),
    ]);
    expect(a.error).toBeNull();
    expect(b.error).toMatchObject({ statusCode: 409, name: 'concurrent_idempotent_requests' });
    expect(fake.deliveries).toHaveLength(1);
  });

  it('a server that is down is the same application_error with statusCode null', async () => {
    const down = await startFakeResend();
    const url = down.url;
    await down.close();
    const result = await new Resend(KEY, { baseUrl: url }).emails.send(email(1));
    expect(result.error).toMatchObject({ statusCode: null, name: 'application_error' });
    expect(result.headers).toBeNull();
  });
});

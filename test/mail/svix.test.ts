import { readFileSync } from 'node:fs';
import { Webhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { signSvixPayload, verifySvixSignature } from '../../src/lib/svix.js';

/*
 * Our Svix implementation is cross-checked against the official `svix`
 * package in both directions. svix's Webhook.verify reads the clock itself
 * (Date.now()) and JSON-parses the payload, so the cross-checks use the real
 * time and JSON bodies.
 */

function randomSecret(bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return `whsec_${btoa(String.fromCharCode(...raw))}`;
}

function svixHeaders(id: string, timestamp: number | string, signature: string): Record<string, string> {
  return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': signature };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const BODIES = [
  '{"type":"email.delivered","data":{"email_id":"4ef9a417-02e9-4d39-ad75-9611e0fcc33c"}}',
  '{\n  "type": "email.bounced",\n  "data": { "to": ["ünïcødé@exämple.com"], "subject": "Ärger 🚨" }\n}',
  '{}',
  '{"text":"line\\nbreak and a literal . dot and , comma"}',
];

// The example from Svix's "verifying payloads manually" documentation.
const DOC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signSvixPayload', () => {
  it('reproduces the documented Svix test vector', async () => {
    expect(await signSvixPayload(DOC.secret, DOC.id, DOC.timestamp, DOC.body)).toBe(DOC.signature);
  });

  it('produces byte-for-byte the same header value as svix Webhook.sign', async () => {
    for (let i = 0; i < 25; i++) {
      const secret = randomSecret(16 + i);
      const id = `msg_${crypto.randomUUID()}`;
      const timestamp = 1_600_000_000 + i * 7919;
      const body = BODIES[i % BODIES.length]!;
      const theirs = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
      expect(await signSvixPayload(secret, id, timestamp, body)).toBe(theirs);
    }
  });

  it('accepts the secret with or without the whsec_ prefix', async () => {
    const bare = DOC.secret.slice('whsec_'.length);
    expect(await signSvixPayload(bare, DOC.id, DOC.timestamp, DOC.body)).toBe(DOC.signature);
  });

  it('throws on an unusable secret or timestamp', async () => {
    await expect(signSvixPayload('whsec_', 'msg_1', 1, '{}')).rejects.toThrow(/secret/);
    await expect(signSvixPayload('whsec_not*base64!', 'msg_1', 1, '{}')).rejects.toThrow(/secret/);
    await expect(signSvixPayload(DOC.secret, 'msg_1', 1.5, '{}')).rejects.toThrow(/timestamp/);
    await expect(signSvixPayload(DOC.secret, 'msg_1', -1, '{}')).rejects.toThrow(/timestamp/);
  });
});

describe('verifySvixSignature against the official svix library', () => {
  it('our signatures verify with svix Webhook.verify', async () => {
    for (const body of BODIES) {
      const secret = randomSecret();
      const id = `msg_${crypto.randomUUID()}`;
      const ts = nowSeconds();
      const signature = await signSvixPayload(secret, id, ts, body);
      expect(new Webhook(secret).verify(body, svixHeaders(id, ts, signature))).toEqual(JSON.parse(body));
    }
  });

  it("svix's signatures verify with ours", async () => {
    for (const body of BODIES) {
      const secret = randomSecret();
      const id = `msg_${crypto.randomUUID()}`;
      const nowMs = Date.now();
      const signature = new Webhook(secret).sign(id, new Date(nowMs), body);
      const timestamp = String(Math.floor(nowMs / 1000));
      expect(await verifySvixSignature({ secret, id, timestamp, signature, body, nowMs })).toEqual({ ok: true });
    }
  });

  it('verifies the documented vector at its own time', async () => {
    const result = await verifySvixSignature({
      secret: DOC.secret,
      id: DOC.id,
      timestamp: String(DOC.timestamp),
      signature: DOC.signature,
      body: DOC.body,
      nowMs: DOC.timestamp * 1000 + 12_345,
    });
    expect(result).toEqual({ ok: true });
  });

  it('accepts a secret without the whsec_ prefix, as svix does', async () => {
    const secret = randomSecret();
    const bare = secret.slice('whsec_'.length);
    const nowMs = Date.now();
    const ts = Math.floor(nowMs / 1000);
    const signature = new Webhook(bare).sign('msg_bare', new Date(nowMs), '{}');
    expect(await verifySvixSignature({ secret: bare, id: 'msg_bare', timestamp: String(ts), signature, body: '{}', nowMs })).toEqual({ ok: true });
    expect(await verifySvixSignature({ secret, id: 'msg_bare', timestamp: String(ts), signature, body: '{}', nowMs })).toEqual({ ok: true });
  });
});

describe('verifySvixSignature rejections', () => {
  const secret = randomSecret();
  const id = 'msg_2Lr6cPa6fJ1XZ9r1fJ0bK7sQdZq';
  const body = BODIES[0]!;

  async function setup(offsetSeconds = 0) {
    const nowMs = Date.now();
    const ts = Math.floor(nowMs / 1000) + offsetSeconds;
    const signature = await signSvixPayload(secret, id, ts, body);
    return { nowMs, ts, timestamp: String(ts), signature };
  }

  it('rejects a tampered body, and svix agrees', async () => {
    const { nowMs, ts, timestamp, signature } = await setup();
    const tampered = body.replace('delivered', 'bounced');
    expect(await verifySvixSignature({ secret, id, timestamp, signature, body: tampered, nowMs })).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
    expect(() => new Webhook(secret).verify(tampered, svixHeaders(id, ts, signature))).toThrow(/No matching signature/);
  });

  it('rejects a body that was re-serialized instead of passed raw', async () => {
    const { nowMs, timestamp } = await setup();
    const raw = BODIES[1]!;
    const signature = await signSvixPayload(secret, id, Number(timestamp), raw);
    const reserialized = JSON.stringify(JSON.parse(raw));
    expect(await verifySvixSignature({ secret, id, timestamp, signature, body: raw, nowMs })).toEqual({ ok: true });
    expect((await verifySvixSignature({ secret, id, timestamp, signature, body: reserialized, nowMs })).ok).toBe(false);
  });

  it('rejects a different svix-id or svix-timestamp than was signed', async () => {
    const { nowMs, ts, timestamp, signature } = await setup();
    expect(await verifySvixSignature({ secret, id: `${id}x`, timestamp, signature, body, nowMs })).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
    expect(await verifySvixSignature({ secret, id, timestamp: String(ts - 1), signature, body, nowMs })).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
  });

  it('rejects a signature made with another secret, and svix agrees', async () => {
    const { nowMs, ts, timestamp } = await setup();
    const other = randomSecret();
    const signature = await signSvixPayload(other, id, ts, body);
    expect(await verifySvixSignature({ secret, id, timestamp, signature, body, nowMs })).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
    expect(() => new Webhook(secret).verify(body, svixHeaders(id, ts, signature))).toThrow(/No matching signature/);
  });

  it('rejects a stale timestamp even with a valid signature, and svix agrees', async () => {
    const { nowMs, ts, timestamp, signature } = await setup(-301);
    expect(await verifySvixSignature({ secret, id, timestamp, signature, body, nowMs })).toEqual({
      ok: false,
      reason: 'timestamp too old',
    });
    expect(() => new Webhook(secret).verify(body, svixHeaders(id, ts, signature))).toThrow(/too old/);
  });

  it('rejects a future timestamp even with a valid signature, and svix agrees', async () => {
    const { nowMs, ts, timestamp, signature } = await setup(301);
    expect(await verifySvixSignature({ secret, id, timestamp, signature, body, nowMs })).toEqual({
      ok: false,
      reason: 'timestamp too new',
    });
    expect(() => new Webhook(secret).verify(body, svixHeaders(id, ts, signature))).toThrow(/too new/);
  });

  it('accepts timestamps exactly at the tolerance edge, both directions', async () => {
    const nowMs = 1_700_000_000_999; // the sub-second part is ignored
    for (const offset of [-300, 300]) {
      const ts = 1_700_000_000 + offset;
      const signature = await signSvixPayload(secret, id, ts, body);
      const ok = await verifySvixSignature({ secret, id, timestamp: String(ts), signature, body, nowMs });
      expect(ok).toEqual({ ok: true });
      const beyond = ts + Math.sign(offset);
      const signatureBeyond = await signSvixPayload(secret, id, beyond, body);
      const late = await verifySvixSignature({ secret, id, timestamp: String(beyond), signature: signatureBeyond, body, nowMs });
      expect(late).toEqual({ ok: false, reason: offset < 0 ? 'timestamp too old' : 'timestamp too new' });
    }
  });

  it('honours a custom toleranceSeconds', async () => {
    const { nowMs, timestamp, signature } = await setup(-61);
    expect(await verifySvixSignature({ secret, id, timestamp, signature, body, nowMs, toleranceSeconds: 60 })).toEqual({
      ok: false,
      reason: 'timestamp too old',
    });
    expect(await verifySvixSignature({ secret, id, timestamp, signature, body, nowMs, toleranceSeconds: 61 })).toEqual({ ok: true });
  });

  it('rejects missing headers with a reason naming the header', async () => {
    const { nowMs, timestamp, signature } = await setup();
    for (const missing of [null, undefined, '']) {
      expect(await verifySvixSignature({ secret, id: missing, timestamp, signature, body, nowMs })).toEqual({
        ok: false,
        reason: 'missing svix-id header',
      });
      expect(await verifySvixSignature({ secret, id, timestamp: missing, signature, body, nowMs })).toEqual({
        ok: false,
        reason: 'missing svix-timestamp header',
      });
      expect(await verifySvixSignature({ secret, id, timestamp, signature: missing, body, nowMs })).toEqual({
        ok: false,
        reason: 'missing svix-signature header',
      });
    }
    expect(() => new Webhook(secret).verify(body, { 'svix-id': id, 'svix-timestamp': timestamp })).toThrow(/Missing required headers/);
  });

  it('rejects a timestamp that is not an integer number of seconds', async () => {
    const { nowMs, signature } = await setup();
    const ts = Math.floor(nowMs / 1000);
    for (const bad of ['abc', `${ts}.5`, `${ts}abc`, `-${ts}`, `+${ts}`, '1.7e9', ' ', `0x${ts.toString(16)}`, '9'.repeat(30)]) {
      expect(await verifySvixSignature({ secret, id, timestamp: bad, signature, body, nowMs })).toEqual({
        ok: false,
        reason: 'invalid svix-timestamp header',
      });
    }
  });

  it('accepts a header with several signatures when one v1 entry is valid, and svix agrees', async () => {
    const { nowMs, ts, timestamp, signature } = await setup();
    const wrong = await signSvixPayload(randomSecret(), id, ts, body);
    const junk = 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const valid = signature.slice('v1,'.length);
    for (const header of [
      `${wrong} ${signature}`,
      `${signature} ${wrong}`,
      `${junk} ${wrong} ${signature} ${junk}`,
      `v2,${valid} ${signature}`,
      `v1a,garbage ${signature} v1`,
    ]) {
      expect(await verifySvixSignature({ secret, id, timestamp, signature: header, body, nowMs })).toEqual({ ok: true });
      expect(new Webhook(secret).verify(body, svixHeaders(id, ts, header))).toEqual(JSON.parse(body));
    }
    expect(await verifySvixSignature({ secret, id, timestamp, signature: `${wrong} ${junk}`, body, nowMs })).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
  });

  it('ignores v2 (and other non-v1) entries even when they carry the right bytes, and svix agrees', async () => {
    const { nowMs, ts, timestamp, signature } = await setup();
    const valid = signature.slice('v1,'.length);
    for (const header of [`v2,${valid}`, `v0,${valid} V1,${valid}`, valid, `,${valid}`]) {
      const result = await verifySvixSignature({ secret, id, timestamp, signature: header, body, nowMs });
      expect(result).toEqual({ ok: false, reason: 'no v1 signature' });
      expect(() => new Webhook(secret).verify(body, svixHeaders(id, ts, header))).toThrow(/No matching signature/);
    }
    const wrong = await signSvixPayload(randomSecret(), id, ts, body);
    expect(await verifySvixSignature({ secret, id, timestamp, signature: `v2,${valid} ${wrong}`, body, nowMs })).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
  });

  it('does not throw on malformed signature entries', async () => {
    const { nowMs, timestamp } = await setup();
    for (const header of ['v1', 'v1,', 'v1,!!!not-base64!!!', '   ', 'v1,abc def,ghi', `v1,${'A'.repeat(10_000)}`]) {
      const result = await verifySvixSignature({ secret, id, timestamp, signature: header, body, nowMs });
      expect(result.ok).toBe(false);
    }
  });

  it('rejects an unusable secret without throwing', async () => {
    const { nowMs, timestamp, signature } = await setup();
    for (const bad of ['', 'whsec_', 'whsec_not*base64!']) {
      expect(await verifySvixSignature({ secret: bad, id, timestamp, signature, body, nowMs })).toEqual({
        ok: false,
        reason: 'invalid webhook secret',
      });
    }
  });
});

describe('runtime neutrality', () => {
  it('uses no Node-only APIs, so it also runs on Cloudflare Workers', () => {
    const source = readFileSync(new URL('../../src/lib/svix.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from\s+['"]node:|require\(|\bBuffer\b|\bprocess\./);
    expect(source).not.toMatch(/^import /m);
  });
});

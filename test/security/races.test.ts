/**
 * Concurrency attacks on sign-in and one-time links: many requests at once
 * must get no further than the same requests one after another.
 */
import { and, count, eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loginAttempts, users } from '../../src/db/schema.js';
import { TooManyRequestsError } from '../../src/lib/errors.js';
import { WorkGate } from '../../src/lib/work-gate.js';
import { ATTEMPT_RETENTION_MS, runBackgroundTick } from '../../src/services/background.js';
import { completeSetup, createResetLink, createSetupLink, setPasswordWithLink } from '../../src/services/auth/accounts.js';
import { login, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP } from '../../src/services/auth/sessions.js';
import { confirmSubscription, subscriberToken, suppressAddress } from '../../src/services/subscribers/subscriptions.js';
import { addSubscribers } from '../mail/support.js';
import { signIn, TEST_PASSWORD } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

/** Deps whose password-check gate lets everything through, to test the attempt counting on its own. */
async function depsWithoutGate(): Promise<TestDeps> {
  const deps = await createTestDeps();
  return { ...deps, passwordChecks: new WorkGate({ total: 1_000, perKey: 1_000 }) };
}

async function attemptsUnder(deps: TestDeps, key: string): Promise<number> {
  const row = await deps.db.orm.select({ n: count() }).from(loginAttempts).where(eq(loginAttempts.key, key)).get();
  return row?.n ?? 0;
}

function outcomes(results: PromiseSettledResult<unknown>[]): { signedIn: number; wrong: number; throttled: number } {
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  return {
    signedIn: results.filter((r) => r.status === 'fulfilled').length,
    throttled: rejected.filter((e) => e instanceof TooManyRequestsError).length,
    wrong: rejected.filter((e) => !(e instanceof TooManyRequestsError)).length,
  };
}

describe('sign-in throttling under concurrency', () => {
  it('checks at most 5 parallel guesses for one account, however many arrive at once, and the right password among them does not get in after them', async () => {
    const deps = await depsWithoutGate();
    const member = await signIn(deps, 'comms', 'target@example.com');
    const guesses = Array.from({ length: 24 }, (_, i) => login(deps, { email: member.email, password: `guess ${i}` }, `203.0.113.${i}`));
    const right = login(deps, { email: member.email, password: TEST_PASSWORD }, '203.0.113.200');
    const results = await Promise.allSettled([...guesses, right]);
    const { signedIn, wrong, throttled } = outcomes(results);
    // Exactly five attempts were counted and checked; the other twenty were refused unchecked.
    expect(signedIn + wrong).toBe(MAX_FAILURES_PER_ACCOUNT);
    expect(throttled).toBe(25 - MAX_FAILURES_PER_ACCOUNT);
    expect(await attemptsUnder(deps, 'account:target@example.com')).toBe(signedIn ? 0 : MAX_FAILURES_PER_ACCOUNT);
    // The right password arriving after five wrong ones is refused like any other.
    if (signedIn === 0) {
      await expect(login(deps, { email: member.email, password: TEST_PASSWORD }, '203.0.113.201')).rejects.toBeInstanceOf(TooManyRequestsError);
    }
  });

  it('checks at most 20 parallel attempts from one address, across accounts', async () => {
    const deps = await depsWithoutGate();
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => login(deps, { email: `nobody${i}@example.com`, password: 'bad' }, '203.0.113.50')),
    );
    const { wrong, throttled } = outcomes(results);
    expect(wrong).toBe(MAX_FAILURES_PER_IP);
    expect(throttled).toBe(60 - MAX_FAILURES_PER_IP);
    expect(await attemptsUnder(deps, 'ip:203.0.113.50')).toBe(MAX_FAILURES_PER_IP);
  });

  it('says when to come back: Retry-After is when the oldest counted failure leaves the window', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) {
      await expect(login(deps, { email: 'lead@example.com', password: 'bad' }, `198.51.100.${i}`)).rejects.toThrow('Wrong email or password.');
      deps.clock.advance(60_000);
    }
    const refusal = await login(deps, { email: 'lead@example.com', password: 'bad' }, '198.51.100.99').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(TooManyRequestsError);
    // The first failure was 5 minutes ago; it leaves the 15-minute window in 10.
    expect((refusal as TooManyRequestsError).retryAfterSeconds).toBe(10 * 60);
  });

  it('answers a sign-in beyond the concurrent password checks with 429 and Retry-After, before counting or hashing it', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    // The first call enters the gate synchronously; the second finds the account's check in flight.
    const first = login(deps, { email: 'lead@example.com', password: TEST_PASSWORD }, '198.51.100.1');
    const second = login(deps, { email: 'lead@example.com', password: 'bad' }, '198.51.100.2').catch((e: unknown) => e);
    expect(await second).toBeInstanceOf(TooManyRequestsError);
    expect((await second as TooManyRequestsError).retryAfterSeconds).toBe(1);
    await first;
    expect(await attemptsUnder(deps, 'ip:198.51.100.2')).toBe(0);
    // Once the first check is done, the account can be tried again.
    await expect(login(deps, { email: 'lead@example.com', password: TEST_PASSWORD }, '198.51.100.3')).resolves.toBeDefined();
  });

  it('over HTTP: a burst of parallel guesses gets at most 5 password checks, the rest 429 with Retry-After', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    const app = createApp(deps);
    const form = await app.request('/admin/login');
    const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        app.request('/admin/login', {
          method: 'POST',
          headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Test-Client': `203.0.113.${i}` },
          body: new URLSearchParams({ _csrf: csrf, email: 'lead@example.com', password: i === 24 ? TEST_PASSWORD : `guess ${i}` }),
        }),
      ),
    );
    const checked = responses.filter((r) => r.status !== 429);
    const refused = responses.filter((r) => r.status === 429);
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(checked.length).toBeLessThanOrEqual(MAX_FAILURES_PER_ACCOUNT);
    expect(refused.length).toBe(25 - checked.length);
    for (const response of refused) expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('forgets counted attempts a day later, in the background tick', async () => {
    const deps = await createTestDeps();
    await expect(login(deps, { email: 'nobody@example.com', password: 'bad' }, '198.51.100.5')).rejects.toThrow();
    expect((await runBackgroundTick(deps)).attemptsPruned).toBe(0);
    deps.clock.advance(ATTEMPT_RETENTION_MS + 1);
    expect((await runBackgroundTick(deps)).attemptsPruned).toBe(2);
    expect(await attemptsUnder(deps, 'ip:198.51.100.5')).toBe(0);
  });

  it('a successful sign-in does not count against its address', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    for (let i = 0; i < MAX_FAILURES_PER_IP + 5; i++) {
      await login(deps, { email: 'lead@example.com', password: TEST_PASSWORD }, '198.51.100.77');
    }
    expect(await attemptsUnder(deps, 'ip:198.51.100.77')).toBe(0);
  });
});

describe('one-time links under concurrency', () => {
  const ownerInput = (i: number) => ({ email: `owner${i}@example.com`, password: 'a long enough password', name: `Owner ${i}` });

  async function ownerCount(deps: TestDeps): Promise<number> {
    const row = await deps.db.orm.select({ n: count() }).from(users).where(and(eq(users.role, 'owner'), like(users.email, 'owner%'))).get();
    return row?.n ?? 0;
  }

  it('creates one owner from six parallel uses of the setup link', async () => {
    const deps = await createTestDeps();
    const token = (await createSetupLink(deps))!;
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => completeSetup(deps, token, ownerInput(i))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await ownerCount(deps)).toBe(1);
  });

  it('creates one owner when two different setup links are used at once', async () => {
    const deps = await createTestDeps();
    const [a, b] = [(await createSetupLink(deps))!, (await createSetupLink(deps))!];
    const results = await Promise.allSettled([completeSetup(deps, a, ownerInput(1)), completeSetup(deps, b, ownerInput(2))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await ownerCount(deps)).toBe(1);
  });

  it('keeps the setup link usable after a refused password, and spends it on success', async () => {
    const deps = await createTestDeps();
    const token = (await createSetupLink(deps))!;
    await expect(completeSetup(deps, token, { ...ownerInput(1), password: 'short' })).rejects.toThrow();
    await completeSetup(deps, token, ownerInput(1));
    await expect(completeSetup(deps, token, ownerInput(2))).rejects.toThrow('expired or was already used');
  });

  it('sets the password once from five parallel uses of a reset link', async () => {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner');
    const member = await signIn(deps, 'comms', 'member@example.com');
    const actor = { kind: 'user' as const, id: owner.userId, label: 'Owner', role: 'owner' as const };
    const token = await createResetLink(deps, actor, member.userId);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => setPasswordWithLink(deps, token, `new password number ${i}`)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    // The password that works is the winner's, and only it.
    for (let i = 0; i < 5; i++) {
      const attempt = login(deps, { email: 'member@example.com', password: `new password number ${i}` }, `198.51.100.${i}`);
      if (i === winner) await expect(attempt).resolves.toBeDefined();
      else await expect(attempt).rejects.toThrow('Wrong email or password.');
    }
  });
});

describe('subscriber confirmation under concurrency', () => {
  it('a bounce that lands while the confirmation link is being used is not undone', async () => {
    const deps = await createTestDeps();
    const [id] = await addSubscribers(deps, ['racer@example.com'], { status: 'pending' });
    const subscriber = (await deps.repos.subscribers.findById(id!))!;
    // The bounce is recorded after the link's lookup and before its write.
    const claim = deps.db.claim;
    deps.db.claim = async (statement) => {
      await suppressAddress(deps, 'racer@example.com', 'bounced');
      return claim(statement);
    };
    await expect(confirmSubscription(deps, subscriberToken(subscriber))).rejects.toThrow('bounced or were reported as spam');
    expect((await deps.repos.subscribers.findById(id!))!.status).toBe('suppressed');
  });

  it('confirms once from parallel uses of the link', async () => {
    const deps = await createTestDeps();
    const [id] = await addSubscribers(deps, ['twice@example.com'], { status: 'pending' });
    const token = subscriberToken((await deps.repos.subscribers.findById(id!))!);
    const results = await Promise.all(Array.from({ length: 4 }, () => confirmSubscription(deps, token)));
    expect(results.every((r) => r.status === 'confirmed')).toBe(true);
    expect(new Set(results.map((r) => r.confirmedAt)).size).toBe(1);
  });
});

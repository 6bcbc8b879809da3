/**
 * The Worker entry on the real Workers runtime (workerd, through `wrangler dev
 * --local`) with a local D1 database, offline: wrangler applies drizzle/'s
 * migrations, the Worker seeds the example page on first request, and the
 * public pages answer as they do on Node. Email goes through the Resend SDK
 * to a fake Resend in this process (workerd reaches the host's loopback):
 * sent by the publishing request's waitUntil drain, and by the cron trigger
 * (wrangler's /__scheduled) for what that drain left. An Alertmanager
 * notification posted with an alerts-scope token becomes one draft on D1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_RESEND_API_KEY, startFakeResend, type Delivered, type FakeResend } from '../support/fake-resend.js';
import { startReceiver } from '../support/fake-receivers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const STARTUP_TIMEOUT_MS = 60_000;

let stateDir: string;
let childEnv: NodeJS.ProcessEnv;
let wrangler: ChildProcess | undefined;
let output = '';
let base = '';
let fake: FakeResend | undefined;

const MAIL_FROM = 'Status <status@example.com>';
/** A drain after a request is deferred work: give workerd a moment, not a cron minute. */
const DELIVERY_TIMEOUT_MS = 10_000;

/** A port the OS says is free right now (wrangler binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The local D1 file wrangler created under the state folder. */
function d1File(): string {
  const dir = join(stateDir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((name) => /^[0-9a-f]{64}\.sqlite$/.test(name));
  if (!file) throw new Error(`no D1 database file in ${dir}`);
  return join(dir, file);
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}) before serving:\n${tail(output)}`);
    }
    try {
      // The first request also initializes and seeds the page; give it time.
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(20_000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = `GET /healthz answered ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not serve ${url} within ${STARTUP_TIMEOUT_MS / 1000} s (${lastError}):\n${tail(output)}`);
}

/** Ends wrangler and everything it started (workerd): the whole process group. */
async function stopWrangler(): Promise<void> {
  const child = wrangler;
  if (!child?.pid) return;
  wrangler = undefined;
  const group = -child.pid;
  const alive = (): boolean => {
    try {
      process.kill(group, 0);
      return true;
    } catch {
      return false;
    }
  };
  const gone = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (alive() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    return !alive();
  };
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return; // already gone
  }
  if (!(await gone(5_000))) {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // exited in between
    }
    await gone(5_000);
  }
}

async function startWrangler(envFile: string): Promise<void> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  output = '';
  const args = [
    WRANGLER,
    'dev',
    '--local',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', stateDir,
    '--env-file', envFile,
    // wrangler.toml says production (no example content); this run wants it.
    '--var', 'HERALD_ENV:development',
    // Links in emails need the page's address, which a Worker cannot know
    // outside a request (a loopback one turns off the host-name check).
    '--var', `PUBLIC_URL:${base}`,
    // Email through the real Resend SDK, to the fake Resend in this process.
    '--var', `RESEND_API_KEY:${FAKE_RESEND_API_KEY}`,
    '--var', `RESEND_BASE_URL:${fake!.url}`,
    '--var', `MAIL_FROM:${MAIL_FROM}`,
    '--var', 'MAIL_RATE_LIMIT:0',
    // Destinations may be plain http on loopback: the fake Slack in this process.
    '--var', 'OUTBOUND_ALLOW_LOOPBACK:1',
    // Serves GET /__scheduled, which runs the cron trigger's scheduled().
    '--test-scheduled',
    '--show-interactive-dev-session=false',
    // No --log-level: with it, wrangler 4.86 drops the Worker's own console output,
    // which holds the first-owner setup link.
  ];
  // Own process group, so the test can end wrangler and workerd together.
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  wrangler = child;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitUntilServing(base, child);
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'src', 'generated', 'views.ts'))) {
    throw new Error('src/generated/views.ts is missing: run `npm run build:views` first (npm test does).');
  }
  stateDir = mkdtempSync(join(tmpdir(), 'herald-workerd-'));
  // Empty on purpose: passing it keeps a developer's .dev.vars / .env out of the test.
  const envFile = join(stateDir, 'test.env');
  writeFileSync(envFile, '');
  const { NODE_ENV: _nodeEnv, CLOUDFLARE_INCLUDE_PROCESS_ENV: _include, ...inherited } = process.env;
  childEnv = {
    ...inherited,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    // Offline: do not fetch the Request.cf sample from workers.cloudflare.com.
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    // Keep wrangler's logs and dev registry inside the temp folder.
    WRANGLER_LOG_PATH: join(stateDir, 'logs'),
    WRANGLER_REGISTRY_PATH: join(stateDir, 'registry'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };

  const migrate = spawnSync(
    process.execPath,
    [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir],
    { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 60_000 },
  );
  if (migrate.status !== 0) {
    throw new Error(
      `wrangler d1 migrations apply failed (${migrate.status ?? migrate.signal ?? migrate.error?.message}):\n` +
        tail(`${migrate.stdout}\n${migrate.stderr}`),
    );
  }

  // Listens on 127.0.0.1, which workerd may reach ("private" in miniflare's
  // outbound network allow list covers loopback).
  fake = await startFakeResend();

  // A port found free can be taken before wrangler binds it (other suites run
  // in parallel): start again on new ports when that is why wrangler quit.
  for (let attempt = 1; ; attempt++) {
    try {
      await startWrangler(envFile);
      return;
    } catch (error) {
      await stopWrangler();
      if (attempt >= 3 || !/EADDRINUSE|address already in use/i.test(output)) throw error;
    }
  }
}, 120_000);

afterAll(async () => {
  await stopWrangler();
  await fake?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}, 30_000);

const cookieOf = (response: Response, name: string): string =>
  response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))!.split(';')[0]!;
const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** The deliveries addressed to `email`. */
const deliveriesTo = (deliveries: readonly Delivered[], email: string): Delivered[] =>
  deliveries.filter((d) => d.to.includes(email));

/** A subscriber's link token (`<id>.<secret>`) in a path such as /subscribe/confirm/<token>. */
function tokenAfter(prefix: string, text: string | undefined): string {
  const token = new RegExp(`${prefix}/([a-z0-9]{6,32}\\.[A-Za-z0-9_-]+)`).exec(text ?? '')?.[1];
  expect(token, `a ${prefix}/<token> link in:\n${text}`).toBeDefined();
  return token!;
}

describe('Herald on workerd with local D1 (wrangler dev)', () => {
  let etag = '';
  let statusPage = '';
  /** The owner's session cookie, from the admin test. */
  let session = '';

  it('serves the status page with the example content', async () => {
    const response = await fetch(`${base}/`);
    statusPage = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(statusPage).toContain('All systems operational');
    expect(statusPage).toContain('REST API');
    expect(statusPage).toContain('Managed databases');
    expect(statusPage).toContain('Elevated API error rates');
    etag = response.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
  });

  it('serves the incident page linked from the status page', async () => {
    const link = /href="([^"]*\/incidents\/[a-z0-9]+)"[^>]*>\s*Elevated API error rates/.exec(statusPage)?.[1];
    expect(link, 'a link to the example incident on the status page').toBeDefined();
    const path = new URL(link!, base).pathname;
    const response = await fetch(`${base}${path}`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('Elevated API error rates');
    // Its "Resolved" update: the list item with the update's text is labelled Resolved.
    const resolved = html.split(/<li\b/).find((item) => item.includes('This incident is resolved.'));
    expect(resolved, 'the resolved update on the incident page').toBeDefined();
    expect(resolved).toMatch(/>\s*Resolved\s*</);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const response = await fetch(`${base}/`, { headers: { 'If-None-Match': etag } });
    expect(response.status).toBe(304);
    expect(await response.text()).toBe('');
    expect(response.headers.get('etag')).toBe(etag);
  });

  it('serves the same admin: the logged setup link creates the owner, who declares an incident', async () => {
    const token = /\/admin\/setup\/([A-Za-z0-9_-]{43})/.exec(output)?.[1];
    expect(token, `a setup link in the Worker log:\n${tail(output)}`).toBeDefined();

    const setupPage = await fetch(`${base}/admin/setup/${token}`);
    expect(setupPage.status).toBe(200);
    const formCookie = cookieOf(setupPage, 'herald_form');
    const created = await fetch(`${base}/admin/setup/${token}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: formCookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await setupPage.text()), name: 'Ada', email: 'ada@example.com', password: 'a long enough password' }),
    });
    expect(created.status, `setup answered ${created.status}; Worker log:\n${tail(output)}`).toBe(303);
    session = cookieOf(created, 'herald_session');

    const form = await fetch(`${base}/admin/incidents/new`, { headers: { Cookie: session } });
    expect(form.status).toBe(200);
    const declared = await fetch(`${base}/admin/incidents/new`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await form.text()), action: 'publish', title: 'Declared on workerd', severity: '3', body: 'Testing the Worker admin.' }),
    });
    expect(declared.status).toBe(303);
    expect(await (await fetch(`${base}/`)).text()).toContain('Declared on workerd');
  }, 60_000);

  /* ---- Email through Resend (the fake), from waitUntil and from the cron ---- */

  const SUBSCRIBER = 'grace@example.com';
  /** Subscribes but never confirms: gets the confirmation and nothing else. */
  const PENDING = 'linus@example.com';
  let subscriberToken = '';
  let apiToken = '';
  let incidentId = '';

  /** fake.waitFor, failing with what the Worker logged and what the fake was asked. */
  const waitForMail = async (predicate: (all: readonly Delivered[]) => boolean): Promise<void> => {
    try {
      await fake!.waitFor(predicate, DELIVERY_TIMEOUT_MS);
    } catch (error) {
      const asked = fake!.requests.map((r) => `${r.method} ${r.path} -> ${r.status ?? r.outcome}`).join('\n') || '(no requests)';
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nfake Resend requests:\n${asked}\nWorker log:\n${tail(output)}`);
    }
  };

  /** Waits `ms` and returns the deliveries then: time for a duplicate to show up. */
  const settled = async (ms = 1_000): Promise<Delivered[]> => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return [...fake!.deliveries];
  };

  it("sends the confirmation email from the subscribing request's waitUntil drain; its link confirms", async () => {
    for (const email of [SUBSCRIBER, PENDING]) {
      const response = await fetch(`${base}/subscribe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email, scope: 'all' }),
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('Check your inbox');
    }
    await waitForMail((all) => deliveriesTo(all, SUBSCRIBER).length > 0 && deliveriesTo(all, PENDING).length > 0);
    const deliveries = await settled();
    expect(deliveries.map((d) => d.to)).toEqual(expect.arrayContaining([[SUBSCRIBER], [PENDING]]));
    expect(deliveries).toHaveLength(2);
    // The SDK's batch endpoint, authenticated, with the outbox batch as its idempotency key.
    for (const request of fake!.requests) {
      expect(request.path).toBe('/emails/batch');
      expect(request.headers.authorization).toBe(`Bearer ${FAKE_RESEND_API_KEY}`);
      expect(request.headers['x-batch-validation']).toBe('permissive');
      expect(request.idempotencyKey).toMatch(/^herald\/[a-z0-9]+$/);
      expect(request.status).toBe(200);
    }

    const confirmation = deliveriesTo(deliveries, SUBSCRIBER)[0]!;
    expect(confirmation.from).toBe(MAIL_FROM);
    expect(confirmation.subject).toMatch(/^Confirm your subscription to .+ updates$/);
    subscriberToken = tokenAfter('/subscribe/confirm', confirmation.text);
    expect(confirmation.html).toContain(`/subscribe/confirm/${subscriberToken}`);
    // RFC 8058 one-click unsubscribe, with the subscriber's own URL.
    expect(confirmation.headers['List-Unsubscribe']).toMatch(
      new RegExp(`^<https?://[^>]+/unsubscribe/${subscriberToken.replace('.', '\\.')}>$`),
    );
    expect(confirmation.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(confirmation.headers['List-Id']).toBeTruthy();

    // The link shows a button (a GET confirms nobody); the button's POST confirms.
    const manage = `${base}/subscriptions/${subscriberToken}`;
    expect(await (await fetch(manage)).text()).toContain('<dd>Waiting for you to confirm it</dd>');
    const page = await fetch(`${base}/subscribe/confirm/${subscriberToken}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Confirm subscription</button>');
    expect(await (await fetch(manage)).text()).toContain('<dd>Waiting for you to confirm it</dd>');
    const confirmed = await fetch(`${base}/subscribe/confirm/${subscriberToken}`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You’re subscribed');
    expect(await (await fetch(manage)).text()).toContain('<dd>Subscribed</dd>');

    const pendingToken = tokenAfter('/subscribe/confirm', deliveriesTo(deliveries, PENDING)[0]!.text);
    expect(await (await fetch(`${base}/subscriptions/${pendingToken}`)).text()).toContain('<dd>Waiting for you to confirm it</dd>');
  }, 30_000);

  it('emails a notifying incident published through the API to the confirmed subscriber only', async () => {
    expect(session, 'the owner session from the admin test').not.toBe('');
    const tokensPage = await fetch(`${base}/admin/tokens`, { headers: { Cookie: session } });
    expect(tokensPage.status).toBe(200);
    const created = await fetch(`${base}/admin/tokens`, {
      method: 'POST',
      headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await tokensPage.text()), name: 'workerd test', scope: 'comms' }),
    });
    expect(created.status).toBe(200);
    apiToken = /hrld_[A-Za-z0-9_-]{43}/.exec(await created.text())?.[0] ?? '';
    expect(apiToken).not.toBe('');

    fake!.reset();
    // SEV-3 does not notify by default: notify is asked for explicitly.
    const declared = await fetch(`${base}/api/v1/incidents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Email on workerd', severity: 3, body: 'We are looking into **slow** emails.', notify: true }),
    });
    expect(declared.status).toBe(201);
    const incident = (await declared.json()) as { id: string; notify: boolean };
    expect(incident.notify).toBe(true);
    incidentId = incident.id;

    const subject = '[Investigating] Email on workerd';
    await waitForMail((all) => all.some((d) => d.subject === subject));
    const deliveries = await settled();
    // Once, to the confirmed subscriber; the unconfirmed address gets nothing.
    expect(deliveries.map((d) => [d.to, d.subject])).toEqual([[[SUBSCRIBER], subject]]);
    const email = deliveries[0]!;
    expect(email.from).toBe(MAIL_FROM);
    expect(email.text).toContain('We are looking into slow emails.');
    expect(email.html).toContain('<strong>slow</strong>');
    expect(tokenAfter('/subscriptions', email.text)).toBe(subscriberToken);
    expect(email.headers['List-Unsubscribe']).toMatch(new RegExp(`/unsubscribe/${subscriberToken.replace('.', '\\.')}>$`));
    expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  }, 30_000);

  it('the cron trigger (/__scheduled) sends what the request drain had to leave (a 500 from Resend), as the same batch', async () => {
    expect(incidentId, 'the incident from the previous test').not.toBe('');
    fake!.reset();
    // The publishing request's drain gets a 500: the batch waits 1-2 s for a retry
    // (backoff), and nothing else drains until the cron runs.
    fake!.script({ status: 500 });
    const posted = await fetch(`${base}/api/v1/incidents/${incidentId}/updates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'identified', body: 'A queue was stuck; it is moving again.' }),
    });
    expect(posted.status).toBe(201);
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    while (!fake!.requests.some((r) => r.status === 500) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const failed = fake!.requests.find((r) => r.status === 500);
    expect(failed, 'the request drain tried once and got the scripted 500').toBeDefined();
    // Past the retry time, with no other request: the request drain is over and sent nothing.
    const deliveries = await settled(2_500);
    expect(deliveries).toEqual([]);
    expect(fake!.requests).toHaveLength(1);

    const subject = '[Identified] Email on workerd';
    const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
    expect(cron.status).toBe(200);
    await cron.arrayBuffer();
    // scheduled() awaits its drain, so the email is out when /__scheduled answers.
    const sent = fake!.deliveries.filter((d) => d.subject === subject);
    expect(sent.map((d) => d.to)).toEqual([[SUBSCRIBER]]);
    expect(sent[0]!.text).toContain('A queue was stuck; it is moving again.');
    // The retry is the same Resend request: same idempotency key (the batch id).
    // (The fake records idempotencyKey only for requests it processes, not for a scripted 500.)
    expect(sent[0]!.idempotencyKey).toMatch(/^herald\//);
    expect(sent[0]!.idempotencyKey).toBe(failed!.headers['idempotency-key']);
    expect((await settled()).filter((d) => d.subject === subject)).toHaveLength(1);
  }, 30_000);

  it("delivers a SEV-1 published through the API to a destination (a fake Slack on the host's loopback) from the request's waitUntil", async () => {
    expect(apiToken, 'the comms token from the API test').not.toBe('');
    const slack = await startReceiver('slack');
    try {
      // The destination, written into the local D1 file (its admin API is another part of issue 15).
      const now = Date.now();
      const d1 = new BetterSqlite3(d1File());
      d1.pragma('busy_timeout = 5000');
      d1.prepare(
        "INSERT INTO destinations (id, name, type, url, allow_private, created_at, updated_at) VALUES ('dstworkerd1', 'Incidents', 'slack', ?, 0, ?, ?)",
      ).run(slack.url, now, now);
      d1.close();
      const declared = await fetch(`${base}/api/v1/incidents`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Destinations on workerd', severity: 1, body: 'Checking the **internal** channels.' }),
      });
      expect(declared.status).toBe(201);
      try {
        await slack.waitFor(1, DELIVERY_TIMEOUT_MS);
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nWorker log:\n${tail(output)}`);
      }
      const [message] = slack.valid;
      expect((message!.json as { text: string }).text).toContain('Destinations on workerd');
      expect(slack.received).toHaveLength(1);
      // Recorded as sent in D1.
      const db = new BetterSqlite3(d1File(), { readonly: true });
      let status = '';
      for (let i = 0; i < 50 && status !== 'sent'; i++) {
        status = (db.prepare("SELECT status FROM destination_deliveries WHERE destination_id = 'dstworkerd1'").get() as { status: string } | undefined)?.status ?? '';
        if (status !== 'sent') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      db.close();
      expect(status).toBe('sent');
    } finally {
      await slack.close();
    }
  }, 30_000);

  it('turns an Alertmanager notification posted with an alerts-scope token into one draft on D1; repeats change nothing; the resolution closes it', async () => {
    expect(session, 'the owner session from the admin test').not.toBe('');
    expect(apiToken, 'the comms token from the API test').not.toBe('');
    const tokensPage = await fetch(`${base}/admin/tokens`, { headers: { Cookie: session } });
    const created = await fetch(`${base}/admin/tokens`, {
      method: 'POST',
      headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await tokensPage.text()), name: 'alertmanager', scope: 'alerts' }),
    });
    expect(created.status).toBe(200);
    const alertsToken = /hrld_[A-Za-z0-9_-]{43}/.exec(await created.text())?.[0] ?? '';
    expect(alertsToken).not.toBe('');

    const alert = {
      status: 'firing',
      labels: { alertname: 'WorkerdCheckoutErrors', service: 'payments', severity: 'critical' },
      annotations: { summary: 'Checkout 5xx above 5% on workerd' },
      startsAt: '2026-11-23T11:58:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=up',
      fingerprint: 'feedfacecafe0001',
    };
    const payload = (status: 'firing' | 'resolved') => ({
      receiver: 'herald',
      status,
      alerts: [status === 'firing' ? alert : { ...alert, status, endsAt: '2026-11-23T12:06:00Z' }],
      groupLabels: { alertname: alert.labels.alertname },
      commonLabels: alert.labels,
      commonAnnotations: alert.annotations,
      externalURL: 'http://alertmanager.example.com:9093',
      version: '4',
      groupKey: `{}:{alertname="${alert.labels.alertname}"}`,
      truncatedAlerts: 0,
    });
    const post = async (token: string, body: unknown) => {
      const response = await fetch(`${base}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const drafts = async () => {
      const response = await fetch(`${base}/api/v1/alerts/drafts`, { headers: { Authorization: `Bearer ${apiToken}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as { waiting: { id: string; status: string; title: string; alerts: { status: string }[] }[]; recent: { id: string; status: string }[] };
    };

    const fired = await post(alertsToken, payload('firing'));
    expect(fired.status, `${JSON.stringify(fired.body)}\nWorker log:\n${tail(output)}`).toBe(200);
    expect(fired.body).toMatchObject({ received: 1, firing: 1, repeated: 0, opened: [expect.any(String)] });
    const id = fired.body.opened[0] as string;
    const waiting = (await drafts()).waiting.filter((d) => d.title.includes('workerd'));
    expect(waiting.map((d) => [d.id, d.status, d.alerts.length])).toEqual([[id, 'open', 1]]);

    // Alertmanager's repeat_interval: the same group again.
    expect((await post(alertsToken, payload('firing'))).body).toMatchObject({ firing: 0, repeated: 1, opened: [], drafts: [id] });
    expect((await drafts()).waiting.filter((d) => d.title.includes('workerd'))).toHaveLength(1);
    // The alerts scope can do nothing else.
    const refused = await fetch(`${base}/api/v1/alerts/drafts`, { headers: { Authorization: `Bearer ${alertsToken}` } });
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();

    expect((await post(alertsToken, payload('resolved'))).body).toMatchObject({ resolved: 1, ignored: 0 });
    const after = await drafts();
    expect(after.waiting.map((d) => d.id)).not.toContain(id);
    expect(after.recent.find((d) => d.id === id)?.status).toBe('resolved');
  }, 30_000);

  it('answers an unknown path with a 404 HTML page', async () => {
    const response = await fetch(`${base}/no-such-page`);
    const html = await response.text();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('Page not found');
  });

  it('applied every migration, triggers included, and the triggers fire on D1', async () => {
    // Stop workerd first so the database file is quiet and fully checkpointed.
    await stopWrangler();
    const db = new BetterSqlite3(d1File(), { readonly: true });
    try {
      // Every migration in drizzle/, in order (wrangler reads the same folder).
      const files = readdirSync(join(ROOT, 'drizzle')).filter((name) => name.endsWith('.sql')).sort();
      const applied = db.prepare('SELECT name FROM d1_migrations ORDER BY id').all() as { name: string }[];
      expect(applied.map((m) => m.name)).toEqual(files);
      // Each CREATE TRIGGER ... BEGIN ...; END; arrived whole: wrangler's statement
      // splitter must not cut the body at its inner semicolon.
      const sql = files.map((name) => readFileSync(join(ROOT, 'drizzle', name), 'utf8')).join('\n');
      const created = [...sql.matchAll(/CREATE TRIGGER\s+(?:IF NOT EXISTS\s+)?[`"]?(\w+)/gi)].map((m) => m[1]!);
      const dropped = new Set([...sql.matchAll(/DROP TRIGGER\s+(?:IF EXISTS\s+)?[`"]?(\w+)/gi)].map((m) => m[1]!));
      const expected = created.filter((name) => !dropped.has(name)).sort();
      expect(expected).toContain('incidents_update_revision');
      const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all() as {
        name: string;
        sql: string;
      }[];
      expect(triggers.map((t) => t.name)).toEqual(expected);
      for (const trigger of triggers) expect(trigger.sql, trigger.name).toMatch(/\bBEGIN\b[\s\S]*;\s*END$/);
      // The migration starts the revision at 0; seeding the example page bumped it.
      const revision = db.prepare("SELECT value FROM meta WHERE key = 'revision'").get() as { value: string };
      expect(Number(revision.value)).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});

// The real Prometheus Alertmanager (Debian's `prometheus-alertmanager`,
// scripts/test-packages.sh) as a child process on 127.0.0.1: started with
// its own config and storage, fed through its own API (/api/v2/alerts), and
// read through its own metrics (/metrics).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../faults/support.js';

/** The binary; ALERTMANAGER_PATH overrides it (like CHROMIUM_PATH for the browser). */
export const ALERTMANAGER_PATH = process.env.ALERTMANAGER_PATH ?? '/usr/bin/prometheus-alertmanager';

const HOST = '127.0.0.1';

/** One alert as Alertmanager's API v2 takes it (what Prometheus posts). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the past: the alert is resolved. */
  endsAt?: string;
  generatorURL?: string;
}

/**
 * Alertmanager's webhook counters. `alertmanager_notifications_total` counts
 * a notification when its first attempt starts, so only the request counters
 * (counted once each HTTP request has its answer) tell what was delivered.
 */
export interface WebhookCounts {
  /** HTTP requests answered (any status). */
  requests: number;
  /** Of those, the ones not answered 2xx (or with no answer). */
  requestsFailed: number;
  /** Notifications given up on (a 4xx, or no 2xx before the flush's deadline). */
  notificationsFailed: number;
}

export interface Alertmanager {
  url: string;
  pid: number;
  /** Its log so far (stdout and stderr), for failure messages. */
  output(): string;
  postAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  /** The alerts it holds now (GET /api/v2/alerts). */
  alerts(): Promise<unknown[]>;
  /** Its webhook notification counters, from /metrics (they start at 0 with every process). */
  webhookCounts(): Promise<WebhookCounts>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<ChildProcess>();

/** For afterAll: kills every Alertmanager still running, even after a failed test. */
export function killAlertmanagers(): void {
  for (const child of live) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** Writes `yaml` as alertmanager.yml in `dir` and returns its path. */
export function writeAlertmanagerConfig(dir: string, yaml: string): string {
  const path = join(dir, 'alertmanager.yml');
  writeFileSync(path, yaml);
  return path;
}

/** Only what Alertmanager needs: no proxy between it and Herald on loopback. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(key)) delete env[key];
  return { ...env, NO_PROXY: '127.0.0.1,localhost' };
}

async function poll<T>(what: string, attempt: () => Promise<T | undefined>, deadlineMs: number, failEarly: () => string | null): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const early = failEarly();
    if (early) throw new Error(early);
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what} within ${deadlineMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts Alertmanager on a free port with `configFile` and `storagePath`
 * (silences and the notification log live there; a restart on the same path
 * keeps them), clustering off, and resolves once /-/ready answers.
 */
export async function startAlertmanager(options: { configFile: string; storagePath: string; readyWithinMs?: number }): Promise<Alertmanager> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child = spawn(
    ALERTMANAGER_PATH,
    [
      `--config.file=${options.configFile}`,
      `--storage.path=${options.storagePath}`,
      `--web.listen-address=${HOST}:${port}`,
      // Empty: no gossip port, no cluster to settle before notifying.
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { env: childEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let exited: string | null = null;
  const exit = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      exited = `Alertmanager exited (code ${code}, signal ${signal}):\n${log}`;
      resolve();
    }),
  );
  child.on('error', (error) => (exited = `Alertmanager could not start (${ALERTMANAGER_PATH}): ${error.message}`));

  const get = async (path: string): Promise<Response> => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return response;
  };

  const am: Alertmanager = {
    url,
    pid: child.pid!,
    output: () => log,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(alerts),
        signal: AbortSignal.timeout(20_000),
      });
      if (response.status !== 200) throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
    },
    async alerts() {
      return (await (await get('/api/v2/alerts')).json()) as unknown[];
    },
    async webhookCounts() {
      const metrics = await (await get('/metrics')).text();
      const counter = (name: string): number => {
        const line = metrics.split('\n').find((l) => l.startsWith(`${name}{integration="webhook"} `));
        if (!line) throw new Error(`no ${name} for the webhook integration in /metrics`);
        return Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      return {
        requests: counter('alertmanager_notification_requests_total'),
        requestsFailed: counter('alertmanager_notification_requests_failed_total'),
        notificationsFailed: counter('alertmanager_notifications_failed_total'),
      };
    },
    async stop(signal = 'SIGTERM') {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
  await poll(
    `Alertmanager was not ready at ${url}`,
    async () => ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(5_000) })).ok ? true : undefined),
    options.readyWithinMs ?? 60_000,
    () => exited,
  );
  return am;
}

// How the fan-out benchmark runs, from the FANOUT_* environment (see
// bench/fanout.md), and the fixed facts it runs on.
import { join } from 'node:path';
import { envAcceptEncoding, envFlag, envNumber, envWholeNumber } from '../lib/env.js';
import { RESULTS_DIR } from '../lib/paths.js';

export const HOST = '127.0.0.1';
export const API_KEY = 're_test_key';
export const MAIL_FROM = 'Example Cloud Status <status@example.com>';
/** Emails per Resend batch request (Herald's and Resend's limit). */
export const BATCH = 100;
/** Resend's default rate limit, requests per second. */
export const RESEND_DEFAULT_RPS = 2;

export interface Settings {
  /** Confirmed subscribers the update concerns (each gets one email). */
  subscribers: number;
  connections: number;
  /** Seconds of `/` load per idle measurement (before and after). */
  pageSeconds: number;
  /** Seconds of `/` load in the loaded drain before the publish. */
  leadSeconds: number;
  /** Give up on a drain after this many seconds. */
  drainTimeoutSeconds: number;
  /** Emails drained in process for the time breakdown (0: skip). */
  breakdownEmails: number;
  /** Seconds of `/` load after a publish on a Herald restarted with MAIL_RATE_LIMIT=limitedRps (0: skip). */
  limitedSeconds: number;
  limitedRps: number;
  requestHeaders: Record<string, string>;
  profile: boolean;
  keepDb: boolean;
  output: string;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const subscribersCount = envWholeNumber(env, 'FANOUT_SUBSCRIBERS', 100_000, 100);
  return {
    subscribers: subscribersCount,
    connections: envWholeNumber(env, 'FANOUT_CONNECTIONS', 50, 1),
    pageSeconds: envNumber(env, 'FANOUT_PAGE_SECONDS', 15, 1),
    leadSeconds: envNumber(env, 'FANOUT_LEAD_SECONDS', 3, 1),
    drainTimeoutSeconds: envNumber(env, 'FANOUT_DRAIN_TIMEOUT', 900, 10),
    breakdownEmails: Math.min(subscribersCount, envWholeNumber(env, 'FANOUT_BREAKDOWN_EMAILS', 10_000, 0)),
    limitedSeconds: envNumber(env, 'FANOUT_LIMITED_SECONDS', 30, 0),
    limitedRps: envNumber(env, 'FANOUT_LIMITED_RPS', RESEND_DEFAULT_RPS, 0.1),
    requestHeaders: envAcceptEncoding(env, 'FANOUT_ACCEPT_ENCODING'),
    profile: envFlag(env, 'FANOUT_PROFILE'),
    keepDb: envFlag(env, 'FANOUT_KEEP_DB'),
    output: env.FANOUT_OUT || join(RESULTS_DIR, 'fanout.json'),
  };
}

import { z } from 'zod';
import type { AppConfig } from '../../config.js';
import type { DestinationType } from '../../domain/constants.js';
import { addressRefusal } from '../../lib/outbound.js';
import { literalHost } from '../../lib/ip-address.js';

/*
 * The rules a destination URL must meet when it is saved (the drainer checks
 * the resolved addresses again before every send, lib/outbound.ts): https
 * only; plain http only to this machine and only when OUTBOUND_ALLOW_LOOPBACK
 * allows it; no user name or password; an IP literal must be a public
 * address (private ones only with "allow private"). Messages never repeat the
 * URL: it is a secret.
 */

export interface UrlRules {
  /** OUTBOUND_ALLOW_LOOPBACK=1 (development and tests). */
  allowLoopback: boolean;
  /** The destination's own "allow private network addresses". */
  allowPrivate: boolean;
}

/** OUTBOUND_ALLOW_LOOPBACK (`config.outbound.allowLoopback`); off when the caller has no configuration. */
export function loopbackAllowed(config: AppConfig | undefined): boolean {
  return config?.outbound.allowLoopback === true;
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);

function isLoopbackHost(hostname: string): boolean {
  if (LOOPBACK_NAMES.has(hostname.toLowerCase())) return true;
  const literal = literalHost(hostname);
  return literal !== null && addressRefusal(literal, { allowLoopback: false }) === 'loopback address';
}

/** Why a URL cannot be a destination under these rules, or null when it can. */
export function urlProblem(text: string, rules: UrlRules): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL such as https://hooks.slack.com/services/…';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.protocol === 'http:') {
    if (!rules.allowLoopback || !isLoopbackHost(url.hostname)) {
      return 'must start with https:// (plain http is only for this machine, with OUTBOUND_ALLOW_LOOPBACK=1)';
    }
    return null;
  }
  if (url.protocol !== 'https:') return 'must start with https://';
  const literal = literalHost(url.hostname);
  if (literal !== null) {
    const refusal = addressRefusal(literal, rules);
    if (refusal) {
      return refusal === 'private address' || refusal === 'cgnat address' || refusal === 'unique-local address'
        ? 'is a private network address: tick "allow private network addresses" if this is a self-hosted server'
        : `must not point at a ${refusal}`;
    }
  }
  return null;
}

/** A destination URL as zod checks it: trimmed, at most 2,000 characters, and `urlProblem` under `rules`. */
export function destinationUrl(rules: UrlRules): z.ZodType<string, string> {
  return z
    .string({ error: 'is required' })
    .trim()
    .min(1, { error: 'is required' })
    .max(2000, { error: 'must be at most 2,000 characters' })
    .superRefine((value, ctx) => {
      const problem = urlProblem(value, rules);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/**
 * Where each platform's webhooks usually live. Only a hint: proxies and
 * self-hosted servers exist, so another host is saved with a warning, never refused.
 */
export const DESTINATION_HOSTS: Record<DestinationType, { hosts: readonly string[]; example: string } | null> = {
  slack: { hosts: ['hooks.slack.com'], example: 'https://hooks.slack.com/services/T…/B…/…' },
  discord: { hosts: ['discord.com', 'discordapp.com'], example: 'https://discord.com/api/webhooks/…/…' },
  google_chat: { hosts: ['chat.googleapis.com'], example: 'https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…' },
  // Workflows URLs vary by region and tenant (…logic.azure.com, …environment.api.powerplatform.com).
  teams: null,
  webhook: null,
};

/** A warning when the URL's host is not where this type's webhooks usually live; null when it is (or no rule applies). */
export function hostHint(type: DestinationType, text: string): string | null {
  const rule = DESTINATION_HOSTS[type];
  if (!rule) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (rule.hosts.includes(host)) {
    if (type === 'discord' && !url.pathname.startsWith('/api/webhooks/')) return 'Discord webhook URLs usually start with https://discord.com/api/webhooks/.';
    return null;
  }
  return `This does not look like a ${rule.hosts[0]} address (usually ${rule.example}). It is saved anyway, for proxies and self-hosted servers; send a test message to check it.`;
}

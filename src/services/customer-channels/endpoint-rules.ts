import type { ChannelSubscriberType } from '../../domain/constants.js';
import { classifyAddress, literalHost } from '../../lib/ip-address.js';
import { addressRefusal } from '../../lib/outbound.js';

/*
 * Whether a customer's endpoint URL may be subscribed: the outbound SSRF rules
 * of lib/outbound.ts (https only, no credentials, public addresses only),
 * checked when the form is sent so the customer hears at once, plus the shape
 * of each chat service's webhook URLs. Deliveries check the addresses again
 * at every send: DNS can change.
 */

export const MAX_ENDPOINT_URL_LENGTH = 2_000;

/** Hosts that serve Discord's channel webhooks. */
const DISCORD_HOSTS: ReadonlySet<string> = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com']);

/** What the checks may use: whether loopback is allowed (tests, development) and how names resolve (null: they cannot). */
export interface EndpointRules {
  allowLoopback: boolean;
  resolve: ((host: string) => Promise<string[]>) | null;
}

function isLoopbackName(hostname: string): boolean {
  const literal = literalHost(hostname);
  return literal ? classifyAddress(literal) === 'loopback' : hostname === 'localhost';
}

/**
 * The checks that need no network: a URL, https (http only to loopback when
 * allowed), no credentials, no literal address that is not public, and the
 * shape each chat service's webhook URLs have. Returns the parsed URL, or why not.
 */
export function endpointShapeProblem(raw: string, type: ChannelSubscriberType, rules: Pick<EndpointRules, 'allowLoopback'>): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'must be a full URL starting with https://' };
  }
  const loopbackTest = rules.allowLoopback && isLoopbackName(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackTest)) return { problem: 'must start with https:// (plain http and other schemes are not accepted)' };
  if (url.username || url.password) return { problem: 'must not contain a user name or password' };
  const literal = literalHost(url.hostname);
  if (literal) {
    const refusal = addressRefusal(literal, { allowLoopback: rules.allowLoopback });
    if (refusal) return { problem: `points to a ${refusal}: only addresses on the public internet can be reached` };
  }
  if (loopbackTest) return { url };
  const host = url.hostname.toLowerCase();
  if (type === 'slack' && (host !== 'hooks.slack.com' || url.pathname.length <= 1)) {
    return { problem: 'must be a Slack incoming webhook URL, starting with https://hooks.slack.com/services/' };
  }
  if (type === 'discord' && (!DISCORD_HOSTS.has(host) || !url.pathname.startsWith('/api/webhooks/'))) {
    return { problem: 'must be a Discord channel webhook URL, starting with https://discord.com/api/webhooks/' };
  }
  return { url };
}

/** The network half: every address the host name resolves to must be public (loopback only when allowed). */
export async function endpointAddressProblem(url: URL, rules: EndpointRules): Promise<string | null> {
  if (literalHost(url.hostname) || !rules.resolve) return null;
  if (rules.allowLoopback && url.hostname === 'localhost') return null;
  let addresses: string[];
  try {
    addresses = await rules.resolve(url.hostname);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) return `has a host name (${url.hostname}) that could not be found: check it`;
  for (const address of addresses) {
    const refusal = addressRefusal(address, { allowLoopback: rules.allowLoopback });
    if (refusal) return `has a host name that points to a ${refusal}: only addresses on the public internet can be reached`;
  }
  if (url.protocol === 'http:' && !addresses.every((a) => classifyAddress(a) === 'loopback')) return 'must start with https://';
  return null;
}


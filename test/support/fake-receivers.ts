/**
 * Local fake receivers for the destinations (issue 15): real HTTP servers on
 * 127.0.0.1 (a random port) that check a payload the way the real service
 * does, record everything they receive, and answer like it.
 *
 *   const slack = await startReceiver('slack');
 *   // slack.url: "http://127.0.0.1:<port>/hooks/<kind>/SECRET-TOKEN" (the path
 *   //   stands for the secret part of a real webhook URL: tests can assert that
 *   //   it never shows up in logs, errors or the UI)
 *   slack.reply({ status: 429, retryAfter: '30' });   // the next request gets this (queue; then the default)
 *   slack.reply({ hang: true });                       // the next request is never answered (until close)
 *   slack.reply({ status: 200, delayMs: 2_000 });     // answered after a delay
 *   const [message] = await slack.waitFor(1);          // valid requests received so far, once there is one
 *   message.json, message.headers['webhook-id'], slack.received (every request, valid or not)
 *   slack.maxConcurrent                                // the most requests it had open at once
 *   await slack.close();
 *
 * What each kind checks (an invalid payload is answered 400 and recorded with
 * its `problems`, so a test fails loudly):
 * - slack: `text` non-empty; at most 50 blocks; header text <= 150; section
 *   text <= 3000; at most 10 fields of <= 2000; button text <= 75. Answers 200 "ok".
 * - teams (Workflows webhook): a `message` with one Adaptive Card attachment,
 *   parsed and validated by the real `adaptivecards` package against 1.4;
 *   version <= 1.4. Answers 202.
 * - discord: at most 10 embeds; title <= 256, description <= 4096, at most
 *   25 fields (name <= 256, value <= 1024), footer <= 2048, all <= 6000. Answers 204.
 * - google_chat: `cardsV2` of { cardId, card: { sections: [{ widgets }] } } with
 *   known widgets (textParagraph, decoratedText, buttonList). Answers 200 with JSON.
 * - webhook: verified with the real `standardwebhooks` package and the
 *   receiver's secret (`receiver.secret`, "whsec_..."). Answers 200.
 * - statuspage (a customer's Statuspage-webhook consumer, issue 18): verified
 *   like `webhook`, and the body must have Statuspage's shape: `meta`, `page`,
 *   and `incident` or `component` + `component_update`, with every key of
 *   Atlassian's examples (test/fixtures/statuspage/) at every level, the same
 *   value types, ISO 8601 times, `incident_updates` newest first
 *   (`statuspageProblems`). Answers 200.
 */
import * as AC from 'adaptivecards';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../../src/channels/webhook.js';

/** The internal destinations' receivers. */
export type ReceiverKind = 'slack' | 'teams' | 'discord' | 'google_chat' | 'webhook';
/** Every receiver: the destinations' and a customer's Statuspage-webhook consumer. */
export type AnyReceiverKind = ReceiverKind | 'statuspage';

export interface Reply {
  /** Default: the real service's success status for the kind. */
  status?: number;
  /** A Retry-After header value ("30" or an HTTP date). */
  retryAfter?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (the connection is held until `close`). */
  hang?: boolean;
  /** Answer after this many milliseconds. */
  delayMs?: number;
}

export interface ReceivedRequest {
  /** Date.now() when it arrived. */
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  /** Empty when the payload is valid for the kind. */
  problems: string[];
  /** The status answered (null: hung). */
  status: number | null;
}

export interface FakeReceiver<K extends AnyReceiverKind = ReceiverKind> {
  kind: K;
  /** The webhook URL to configure a destination with. */
  url: string;
  /** "http://127.0.0.1:<port>". */
  origin: string;
  /**
   * The Standard Webhooks secret a `webhook` or `statuspage` receiver verifies
   * with; settable, for a secret Herald generates (a customer's webhook secret,
   * shown once on confirming).
   */
  secret: string;
  /** Every request, in arrival order (valid or not). */
  received: ReceivedRequest[];
  /** The valid requests. */
  readonly valid: ReceivedRequest[];
  /** The most requests this receiver had open (received, not yet answered) at one time. */
  readonly maxConcurrent: number;
  /** Queues replies for the next requests, in order; after them, the default. */
  reply(...replies: Reply[]): void;
  /** Waits (polling, up to `timeoutMs`) until `count` valid requests have arrived; returns them. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

const SUCCESS: Record<AnyReceiverKind, { status: number; body: string; type: string }> = {
  slack: { status: 200, body: 'ok', type: 'text/plain' },
  teams: { status: 202, body: '', type: 'text/plain' },
  discord: { status: 204, body: '', type: 'text/plain' },
  google_chat: { status: 200, body: '{"name":"spaces/AAA/messages/BBB"}', type: 'application/json' },
  webhook: { status: 200, body: 'ok', type: 'text/plain' },
  statuspage: { status: 200, body: 'ok', type: 'text/plain' },
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const len = (v: unknown): number => (typeof v === 'string' ? [...v].length : 0);

export function slackProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(body)) return ['not a JSON object'];
  if (typeof body.text !== 'string' || !body.text.trim()) problems.push('no_text');
  const blocks = body.blocks;
  if (blocks === undefined) return problems;
  if (!Array.isArray(blocks)) return [...problems, 'blocks is not an array'];
  if (blocks.length > 50) problems.push(`${blocks.length} blocks (at most 50)`);
  blocks.forEach((block: unknown, i) => {
    if (!isObject(block)) return void problems.push(`block ${i} is not an object`);
    const text = isObject(block.text) ? block.text : null;
    switch (block.type) {
      case 'header':
        if (!text || text.type !== 'plain_text') problems.push(`header ${i}: text must be plain_text`);
        if (len(text?.text) > 150 || len(text?.text) === 0) problems.push(`header ${i}: text length ${len(text?.text)} (1-150)`);
        break;
      case 'section': {
        if (!text && !Array.isArray(block.fields)) problems.push(`section ${i}: needs text or fields`);
        if (text && (len(text.text) > 3000 || len(text.text) === 0)) problems.push(`section ${i}: text length ${len(text.text)} (1-3000)`);
        const fields = Array.isArray(block.fields) ? block.fields : [];
        if (fields.length > 10) problems.push(`section ${i}: ${fields.length} fields (at most 10)`);
        fields.forEach((f: unknown, j) => {
          if (!isObject(f) || len(f.text) > 2000 || len(f.text) === 0) problems.push(`section ${i} field ${j}: text length (1-2000)`);
        });
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > 10) problems.push(`context ${i}: ${elements.length} elements (1-10)`);
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > 25) problems.push(`actions ${i}: ${elements.length} elements (1-25)`);
        elements.forEach((e: unknown, j) => {
          const t = isObject(e) && isObject(e.text) ? e.text.text : undefined;
          if (len(t) === 0 || len(t) > 75) problems.push(`actions ${i} button ${j}: text length ${len(t)} (1-75)`);
          if (isObject(e) && len(e.url) > 3000) problems.push(`actions ${i} button ${j}: url too long`);
        });
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`block ${i}: unknown type ${String(block.type)}`);
    }
  });
  return problems;
}

export function teamsProblems(body: unknown): string[] {
  if (!isObject(body) || body.type !== 'message') return ['not a Workflows message (type "message")'];
  const attachments = body.attachments;
  if (!Array.isArray(attachments) || attachments.length !== 1) return ['needs exactly one attachment'];
  const attachment = attachments[0] as Json;
  if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive') return ['attachment is not an Adaptive Card'];
  const card = attachment.content;
  if (!isObject(card) || card.type !== 'AdaptiveCard') return ['content is not an AdaptiveCard'];
  const problems: string[] = [];
  if (!(Number(card.version) <= 1.4)) problems.push(`card version ${String(card.version)} (at most 1.4)`);
  const context = new AC.SerializationContext(AC.Versions.v1_4);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  return problems;
}

export function discordProblems(body: unknown): string[] {
  if (!isObject(body)) return ['not a JSON object'];
  const embeds = Array.isArray(body.embeds) ? body.embeds : [];
  const problems: string[] = [];
  if (!embeds.length && !body.content) problems.push('no content and no embeds');
  if (embeds.length > 10) problems.push(`${embeds.length} embeds (at most 10)`);
  let total = 0;
  embeds.forEach((embed: unknown, i) => {
    if (!isObject(embed)) return void problems.push(`embed ${i} is not an object`);
    if (len(embed.title) > 256) problems.push(`embed ${i}: title ${len(embed.title)} (at most 256)`);
    if (len(embed.description) > 4096) problems.push(`embed ${i}: description ${len(embed.description)} (at most 4096)`);
    const fields = Array.isArray(embed.fields) ? embed.fields : [];
    if (fields.length > 25) problems.push(`embed ${i}: ${fields.length} fields (at most 25)`);
    const footer = isObject(embed.footer) ? embed.footer.text : undefined;
    if (len(footer) > 2048) problems.push(`embed ${i}: footer ${len(footer)} (at most 2048)`);
    total += len(embed.title) + len(embed.description) + len(footer);
    fields.forEach((f: unknown, j) => {
      const field = isObject(f) ? f : {};
      if (len(field.name) === 0 || len(field.name) > 256) problems.push(`embed ${i} field ${j}: name length ${len(field.name)} (1-256)`);
      if (len(field.value) === 0 || len(field.value) > 1024) problems.push(`embed ${i} field ${j}: value length ${len(field.value)} (1-1024)`);
      total += len(field.name) + len(field.value);
    });
    if (embed.color !== undefined && !(Number.isInteger(embed.color) && (embed.color as number) >= 0 && (embed.color as number) <= 0xffffff)) {
      problems.push(`embed ${i}: color`);
    }
  });
  if (total > 6000) problems.push(`embeds total ${total} characters (at most 6000)`);
  return problems;
}

export function googleChatProblems(body: unknown): string[] {
  if (!isObject(body)) return ['not a JSON object'];
  const cards = body.cardsV2;
  if (!Array.isArray(cards) || cards.length === 0) return body.text ? [] : ['no text and no cardsV2'];
  const problems: string[] = [];
  cards.forEach((entry: unknown, i) => {
    if (!isObject(entry) || typeof entry.cardId !== 'string' || !isObject(entry.card)) return void problems.push(`cardsV2[${i}]: needs cardId and card`);
    const sections = entry.card.sections;
    if (!Array.isArray(sections) || sections.length === 0) return void problems.push(`cardsV2[${i}]: no sections`);
    sections.forEach((section: unknown, j) => {
      const widgets = isObject(section) && Array.isArray(section.widgets) ? section.widgets : null;
      if (!widgets) return void problems.push(`card ${i} section ${j}: no widgets array`);
      widgets.forEach((w: unknown, k) => {
        const keys = isObject(w) ? Object.keys(w) : [];
        if (keys.length !== 1 || !['textParagraph', 'decoratedText', 'buttonList'].includes(keys[0]!)) {
          problems.push(`card ${i} section ${j} widget ${k}: one of textParagraph, decoratedText, buttonList`);
        }
      });
    });
  });
  return problems;
}

function webhookProblems(secret: string, body: string, headers: IncomingHttpHeaders): string[] {
  try {
    new Webhook(secret).verify(body, {
      'webhook-id': String(headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(headers['webhook-signature'] ?? ''),
    });
    return [];
  } catch (error) {
    return [`standardwebhooks: ${(error as Error).message}`];
  }
}

/* ---- Statuspage's webhook shape, learned from Atlassian's examples ---- */

/** What a fixture shows at one place in the tree: the value types seen, and for objects and arrays what is inside. */
interface Shape {
  types: Set<string>;
  keys?: Map<string, Shape>;
  items?: Shape;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function learn(value: unknown, shape: Shape = { types: new Set() }): Shape {
  shape.types.add(typeOf(value));
  if (isObject(value)) {
    shape.keys ??= new Map();
    for (const [key, child] of Object.entries(value)) shape.keys.set(key, learn(child, shape.keys.get(key)));
  } else if (Array.isArray(value)) {
    for (const item of value) shape.items = learn(item, shape.items);
  }
  return shape;
}

const FIXTURES = new URL('../fixtures/statuspage/', import.meta.url);

export function statuspageFixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Json;
}

/** The union of the documented and delivered examples, per notification kind. */
export const STATUSPAGE_SHAPES = {
  incident: ['atlassian-incident.json', 'zulip-incident-created.json', 'zulip-incident-update.json'].reduce<Shape>(
    (shape, name) => learn(statuspageFixture(name), shape),
    { types: new Set() },
  ),
  component: ['atlassian-component.json', 'zulip-component-status-update.json'].reduce<Shape>(
    (shape, name) => learn(statuspageFixture(name), shape),
    { types: new Set() },
  ),
};

/** Keys Herald's body may add to the examples: the keys of /api/v2 incidents the webhook format lacks. */
export const STATUSPAGE_EXTRA_KEYS: Record<string, readonly string[]> = {
  incident: ['started_at'],
  'incident.incident_updates[]': ['tweet_id'],
  'incident.components[]': ['start_date', 'group', 'only_show_if_degraded'],
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const isTimeKey = (key: string): boolean => key.endsWith('_at') || key === 'scheduled_for' || key === 'scheduled_until';

function compare(value: unknown, shape: Shape, path: string, key: string, problems: string[]): void {
  const type = typeOf(value);
  // A value the examples only show as null may be a string (a postmortem, a maintenance window).
  const allowed = shape.types.size === 1 && shape.types.has('null') ? new Set(['null', 'string']) : shape.types;
  if (!allowed.has(type)) return void problems.push(`${path}: ${type}, the examples have ${[...shape.types].join(' or ')}`);
  if (type === 'string' && isTimeKey(key) && !(ISO_TIME.test(value as string) && !Number.isNaN(Date.parse(value as string)))) {
    problems.push(`${path}: not an ISO 8601 time (${String(value)})`);
  }
  if (isObject(value) && shape.keys) {
    for (const [k, child] of shape.keys) {
      if (!(k in value)) problems.push(`${path}.${k}: missing`);
      else compare(value[k], child, `${path}.${k}`, k, problems);
    }
    const extra = STATUSPAGE_EXTRA_KEYS[path] ?? [];
    for (const k of Object.keys(value)) if (!shape.keys.has(k) && !extra.includes(k)) problems.push(`${path}.${k}: not in Statuspage's examples`);
  }
  if (Array.isArray(value) && shape.items) value.forEach((item) => compare(item, shape.items!, `${path}[]`, key, problems));
}

/** Every way a body differs from Statuspage's webhook format (empty: it has Statuspage's shape). */
export function statuspageProblems(body: unknown): string[] {
  if (!isObject(body)) return ['not a JSON object'];
  const kind = 'incident' in body ? 'incident' : 'component_update' in body ? 'component' : null;
  if (!kind) return ['neither incident nor component_update'];
  const shape = STATUSPAGE_SHAPES[kind];
  const problems: string[] = [];
  for (const [key, child] of shape.keys!) {
    if (!(key in body)) problems.push(`${key}: missing`);
    else compare(body[key], child, key, key, problems);
  }
  for (const key of Object.keys(body)) if (!shape.keys!.has(key)) problems.push(`${key}: not in Statuspage's examples`);
  if (kind === 'incident' && isObject(body.incident) && Array.isArray(body.incident.incident_updates)) {
    const times = body.incident.incident_updates.map((u: unknown) => Date.parse(String(isObject(u) ? u.display_at : '')));
    if (times.some((t, i) => i > 0 && t > times[i - 1]!)) problems.push('incident.incident_updates: not newest first');
  }
  return problems;
}

export async function startReceiver<K extends AnyReceiverKind>(kind: K, options: { secret?: string } = {}): Promise<FakeReceiver<K>> {
  let secret = options.secret ?? generateWebhookSecret();
  const received: ReceivedRequest[] = [];
  const queue: Reply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let open = 0;
  let maxConcurrent = 0;

  const answer = (res: ServerResponse, record: ReceivedRequest, reply: Reply | undefined): void => {
    const success = SUCCESS[kind];
    if (record.problems.length) {
      record.status = 400;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`invalid payload: ${record.problems.join('; ')}`);
      return;
    }
    if (reply?.hang) return;
    const status = reply?.status ?? success.status;
    record.status = status;
    const headers: Record<string, string> = { 'content-type': success.type, ...reply?.headers };
    if (reply?.retryAfter) headers['retry-after'] = reply.retryAfter;
    const body = reply?.body ?? (status === success.status ? success.body : `status ${status}`);
    res.writeHead(status, headers).end(status === 204 || status === 304 ? undefined : body);
  };

  const server: Server = createServer((req, res) => {
    open++;
    maxConcurrent = Math.max(maxConcurrent, open);
    res.on('close', () => open--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      let problems: string[];
      try {
        json = JSON.parse(body);
        problems =
          req.method !== 'POST'
            ? [`method ${req.method}`]
            : kind === 'slack'
              ? slackProblems(json)
              : kind === 'teams'
                ? teamsProblems(json)
                : kind === 'discord'
                  ? discordProblems(json)
                  : kind === 'google_chat'
                    ? googleChatProblems(json)
                    : kind === 'statuspage'
                      ? [...webhookProblems(secret, body, req.headers), ...statuspageProblems(json)]
                      : webhookProblems(secret, body, req.headers);
      } catch {
        problems = ['body is not JSON'];
      }
      const record: ReceivedRequest = { at: Date.now(), path: req.url ?? '', headers: req.headers, body, json, problems, status: null };
      received.push(record);
      const reply = queue.shift();
      if (reply?.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer(res, record, reply);
        }, reply.delayMs);
        timers.add(timer);
      } else answer(res, record, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    kind,
    origin,
    url: `${origin}/hooks/${kind}/SECRET-TOKEN`,
    get secret() {
      return secret;
    },
    set secret(value: string) {
      secret = value;
    },
    received,
    get valid() {
      return received.filter((r) => r.problems.length === 0);
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    reply(...replies) {
      queue.push(...replies);
    },
    async waitFor(count, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const valid = received.filter((r) => r.problems.length === 0);
        if (valid.length >= count) return valid;
        if (Date.now() > until) {
          const invalid = received.filter((r) => r.problems.length).map((r) => r.problems.join('; '));
          throw new Error(`${kind} receiver: ${valid.length} of ${count} valid requests within ${timeoutMs} ms${invalid.length ? `; invalid: ${invalid.join(' | ')}` : ''}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

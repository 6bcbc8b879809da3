// A consumer written in another language, against Statuspage's documented
// format (test/fixtures/statuspage/consumer.py, Python 3 stdlib): Herald's
// webhook requests, sent through the real outbound POST, are read by it the
// way it reads Atlassian's own examples.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderForSubscriber, type CustomerNotification } from '../../src/channels/customer.js';
import { generateWebhookSecret } from '../../src/channels/webhook.js';
import { postOutbound } from '../../src/lib/outbound.js';
import { statuspageFixture } from '../support/fake-receivers.js';
import { DELIVERY, componentNotification, incidentNotification, maintenanceNotification } from './customer-fixtures.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/statuspage/consumer.py', import.meta.url));

let python: ChildProcessWithoutNullStreams;
let url = '';
const lines: Record<string, unknown>[] = [];

/** Waits for the Python side to print its next line about a notification. */
async function nextLine(count: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500 && lines.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (lines.length < count) throw new Error(`the Python consumer printed ${lines.length} lines, not ${count}`);
  return lines[count - 1]!;
}

beforeAll(async () => {
  python = spawn('python3', ['-u', SCRIPT], { stdio: 'pipe' });
  let buffer = '';
  const listening = new Promise<number>((resolve, reject) => {
    python.once('error', reject);
    python.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, end)) as Record<string, unknown>;
        buffer = buffer.slice(end + 1);
        if (typeof line.listening === 'number') resolve(line.listening);
        else lines.push(line);
      }
    });
  });
  url = `http://127.0.0.1:${await listening}/statuspage-hook`;
});

afterAll(() => {
  python?.kill();
});

async function send(n: CustomerNotification): Promise<Record<string, unknown>> {
  const request = await renderForSubscriber({ type: 'webhook', signingSecret: generateWebhookSecret() }, n, DELIVERY, Date.now());
  const seen = lines.length;
  const result = await postOutbound(url, { body: request.body, headers: request.headers, resolve: null, allowLoopback: true });
  expect(result.outcome, result.body).toBe('ok');
  return nextLine(seen + 1);
}

describe('a Python consumer written against Statuspage\'s documented format', () => {
  it('reads Atlassian\'s own examples (the consumer itself works)', async () => {
    for (const name of ['atlassian-incident.json', 'zulip-component-status-update.json']) {
      const result = await postOutbound(url, { body: JSON.stringify(statuspageFixture(name)), headers: { 'content-type': 'application/json' }, resolve: null, allowLoopback: true });
      expect(result.outcome).toBe('ok');
    }
    expect(lines.at(-2)).toMatchObject({ kind: 'incident', name: 'Virginia Is Down', status: 'monitoring', latest: 'A fix has been implemented and we are monitoring the results.' });
    expect(lines.at(-1)).toMatchObject({ kind: 'component', component: 'Database component', new_status: 'under_maintenance' });
  });

  it('reads Herald\'s incident notification: name, status, newest update, affected components', async () => {
    expect(await send(incidentNotification())).toEqual({
      kind: 'incident',
      name: 'Checkout failing for EU customers',
      status: 'identified',
      impact: 'minor',
      link: 'https://status.example.com/incidents/inc_abc',
      maintenance: false,
      latest: 'We found the **cause**: a bad deploy.\n\n- rolling back\n- carts are kept',
      latest_status: 'identified',
      components: ['API: operational -> degraded_performance'],
      page_status: 'Minor Service Outage',
      indicator: 'minor',
      unsubscribe: DELIVERY.unsubscribeUrl,
      webhook_id: DELIVERY.messageId,
    });
  });

  it('reads Herald\'s maintenance as a maintenance (scheduled_for set)', async () => {
    expect(await send(maintenanceNotification())).toMatchObject({ kind: 'incident', name: 'Database upgrade', status: 'scheduled', maintenance: true });
  });

  it('reads Herald\'s component notification: component_update.new_status', async () => {
    expect(await send(componentNotification())).toEqual({
      kind: 'component',
      component: 'API',
      old_status: 'operational',
      new_status: 'degraded_performance',
      page_status: 'Minor Service Outage',
      indicator: 'minor',
      unsubscribe: DELIVERY.unsubscribeUrl,
      webhook_id: DELIVERY.messageId,
    });
  });

  it('answers 400 to a body without Statuspage\'s keys (the consumer does check)', async () => {
    const seen = lines.length;
    const result = await postOutbound(url, { body: JSON.stringify({ version: 1, type: 'incident.declared' }), headers: { 'content-type': 'application/json' }, resolve: null, allowLoopback: true });
    expect(result.status).toBe(400);
    expect((await nextLine(seen + 1)).error).toMatch(/KeyError/);
  });
});

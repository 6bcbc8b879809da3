// The channels benchmark's receivers, in a process of their own (so autocannon, in the bench
// process, never waits on them): CHANNELS_PORTS servers on 127.0.0.1 that note each
// Standard Webhooks webhook-id with its arrival time and answer 200 after CHANNELS_ANSWER_MS.
// Over IPC: sends { type: 'ready', urls } once listening; answers { type: 'count', prefix } with
// { type: 'count', count, first, last, requests, maxOpen }.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const PORTS = Number(process.env.CHANNELS_PORTS ?? 8);
const ANSWER_MS = Number(process.env.CHANNELS_ANSWER_MS ?? 50);
const arrivals = new Map<string, number>();
let requests = 0;
let open = 0;
let maxOpen = 0;

export interface CountReply {
  type: 'count';
  count: number;
  first: number | null;
  last: number | null;
  requests: number;
  maxOpen: number;
}

async function main(): Promise<void> {
  const urls: string[] = [];
  for (let i = 0; i < PORTS; i++) {
    const server = createServer((req, res) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      req.resume();
      req.on('end', () => {
        requests++;
        const id = String(req.headers['webhook-id']);
        if (!arrivals.has(id)) arrivals.set(id, Date.now());
        setTimeout(() => {
          open--;
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        }, ANSWER_MS);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/${i}/SECRET`);
  }
  process.on('message', (message: { type: string; prefix: string }) => {
    if (message.type !== 'count') return;
    let count = 0;
    let first: number | null = null;
    let last: number | null = null;
    for (const [id, at] of arrivals) {
      if (!id.startsWith(message.prefix)) continue;
      count++;
      first = first === null ? at : Math.min(first, at);
      last = last === null ? at : Math.max(last, at);
    }
    process.send!({ type: 'count', count, first, last, requests, maxOpen } satisfies CountReply);
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', urls });
}

void main();

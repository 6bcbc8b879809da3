// The destinations benchmark's receivers: one local HTTP server per
// destination, in a child process of its own (so that the load generator in
// the parent does not share their event loop). Each answers as its behaviour
// says: fast (200 at once), slow (200 after 2 s), hanging (never answers:
// Herald gives up at its 10 s timeout) or error (500 at once: Herald retries).
import { createServer, type Server } from 'node:http';
import { describeError } from '../lib/lifetime.js';
import { toParent } from '../lib/ipc.js';
import { SLOW_MS, type Behaviour, type ReceiverCommand, type ReceiverMessage } from './receivers.js';

const send = toParent<ReceiverMessage>('bench/destinations/receivers-child.ts', 'bench/destinations.ts');

async function main(): Promise<void> {
  const behaviours = (process.env.DESTINATIONS_BEHAVIOURS ?? '').split(',').filter(Boolean) as Behaviour[];
  const requests: Record<Behaviour, number> = { fast: 0, slow: 0, hanging: 0, error: 0 };
  const servers: Server[] = [];
  const ports: number[] = [];
  for (const behaviour of behaviours) {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests[behaviour]++;
        if (behaviour === 'fast') res.end('ok');
        else if (behaviour === 'slow') setTimeout(() => res.end('ok'), SLOW_MS);
        else if (behaviour === 'error') {
          res.statusCode = 500;
          res.end('boom');
        }
        // hanging: no answer; Herald's timeout closes the connection.
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    servers.push(server);
    ports.push(address.port);
  }
  let guarded: number[] = [];
  const close = (): void => {
    for (const server of servers) server.closeAllConnections();
    process.exit(0);
  };
  process.on('message', (command: ReceiverCommand) => {
    if (command.type === 'guard') guarded = command.groups;
    else if (command.type === 'stats') {
      const cpu = process.cpuUsage();
      send({ type: 'stats', requests: { ...requests }, cpuUs: cpu.user + cpu.system });
    }
  });
  // The parent is gone (even SIGKILLed): take Herald along, do not linger.
  process.on('disconnect', () => {
    for (const group of guarded) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    close();
  });
  process.on('SIGTERM', close);
  send({ type: 'ready', ports, pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: describeError(error) });
  process.exit(1);
});

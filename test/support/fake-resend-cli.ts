// Runs the fake Resend API standalone, for trying things by hand:
//
//   npx tsx test/support/fake-resend-cli.ts [--port 3999] [--latency 200] [--api-key re_test_key]
//
// Prints its URL, then one line per accepted message. Point the SDK (or curl)
// at it: new Resend('re_test_key', { baseUrl: 'http://127.0.0.1:3999' }).
// Ctrl-C stops it.
import { parseArgs } from 'node:util';
import { FAKE_RESEND_API_KEY, startFakeResend } from './fake-resend.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3999' },
    latency: { type: 'string', default: '0' },
    'api-key': { type: 'string', default: FAKE_RESEND_API_KEY },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('usage: tsx test/support/fake-resend-cli.ts [--port 3999] [--latency ms] [--api-key re_test_key]');
  process.exit(0);
}

const port = Number(values.port);
const latencyMs = Number(values.latency);
if (!Number.isInteger(port) || port < 0 || port > 65_535 || !Number.isFinite(latencyMs) || latencyMs < 0) {
  console.error('fake-resend: --port must be 0..65535 and --latency a non-negative number of ms');
  process.exit(2);
}

const fake = await startFakeResend({
  port,
  latencyMs,
  apiKey: values['api-key'],
  onDelivery(d) {
    const batch = d.batchIndex === null ? '' : ` batch[${d.batchIndex}]`;
    const key = d.idempotencyKey === null ? '' : ` key=${d.idempotencyKey}`;
    console.log(`${d.at.toISOString()} accepted ${d.id}${batch}${key} from=${d.from} to=${d.to.join(',')} subject=${JSON.stringify(d.subject)}`);
  },
});

console.log(`fake-resend listening on ${fake.url} (api key: ${values['api-key']})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}

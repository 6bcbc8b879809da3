// `npx tsx bench/render-cost.ts`: what one change costs each public endpoint
// of bench/run.ts, in process (app.fetch, no sockets, no load): a
// render-cache hit, a miss (render + encode + hash + precompression, which is
// what the first request after a publish waits for), the same miss without
// precompression, and brotli/gzip of the body alone. Explains the freshness
// and the after-publish latency that bench/run.ts measures under load.
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { ERRORS_ONLY } from './lib/herald.js';
import { Lifetime } from './lib/lifetime.js';
import { seededHerald } from './lib/seeded-herald.js';
import { median } from './lib/stats.js';

const PATHS = ['/', '/api/v2/summary.json', '/history.atom', '/badge.svg'];
const MISSES = Number(process.env.BENCH_MISSES ?? 15);
const HITS = 300;

const lifetime = new Lifetime('render-cost');

async function main(): Promise<void> {
  const { deps, app } = await seededHerald(lifetime.tempDir('herald-render-cost-', { keep: false }), { log: ERRORS_ONLY });
  const compress = deps.compress;
  const get = async (path: string): Promise<{ ms: number; bytes: number }> => {
    const started = performance.now();
    const response = await app.fetch(new Request(`http://127.0.0.1${path}`));
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    return { ms: performance.now() - started, bytes: body.byteLength };
  };
  const misses = async (path: string): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < MISSES; i++) {
      deps.renderCache.clear();
      times.push((await get(path)).ms);
    }
    return times;
  };

  console.log(`In-process cost per endpoint (ms; median of ${MISSES} misses, ${HITS} hits), Node ${process.version}\n`);
  console.log('| endpoint | body bytes | hit | miss | miss, max | miss without precompression | brotli q11 alone | brotli q5 alone | gzip 9 alone |');
  console.log('|:--|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const path of PATHS) {
    // Warm up the code paths.
    for (let i = 0; i < 5; i++) {
      deps.renderCache.clear();
      await get(path);
    }
    const { bytes } = await get(path);
    const hits: number[] = [];
    for (let i = 0; i < HITS; i++) hits.push((await get(path)).ms);
    const full = await misses(path);
    deps.compress = async () => null;
    const bare = await misses(path);
    deps.compress = compress;
    const body = new Uint8Array(await (await app.fetch(new Request(`http://127.0.0.1${path}`))).arrayBuffer());
    const time = (f: () => unknown): number => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        f();
        samples.push(performance.now() - started);
      }
      return median(samples);
    };
    const brotli = (quality: number): number =>
      time(() => brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } }));
    const gzip = time(() => gzipSync(body, { level: 9 }));
    const f = (n: number): string => n.toFixed(n < 1 ? 3 : 1);
    console.log(
      `| ${path} | ${bytes} | ${f(median(hits))} | ${f(median(full))} | ${f(Math.max(...full))} | ${f(median(bare))} | ${f(brotli(11))} | ${f(brotli(5))} | ${f(gzip)} |`,
    );
  }
  await deps.settle();
  deps.db.close();
}

lifetime.run(main);

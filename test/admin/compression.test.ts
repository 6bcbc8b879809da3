import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Deps } from '../../src/deps.js';
import { createTestDeps } from '../support/deps.js';
import { signIn, type TestSession } from '../support/admin.js';
import { makeComponent } from '../support/factories.js';
import { countCompressions, rawRequest } from '../support/compression.js';

const BROWSER = 'gzip, deflate, br, zstd';

function adminRequest(deps: Deps, path: string, session: TestSession, acceptEncoding?: string) {
  return rawRequest(deps, path, { Cookie: session.cookie, ...(acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {}) });
}

describe('admin pages, compressed', () => {
  it('are sent in brotli or gzip as the browser accepts, the same page as uncompressed, with Vary and no-store', async () => {
    const deps = await createTestDeps();
    for (let i = 0; i < 5; i++) await makeComponent(deps, { name: `Component ${i}` });
    const owner = await signIn(deps, 'owner');
    const plain = await adminRequest(deps, '/admin/incidents/new', owner);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toContain('Accept-Encoding');
    const html = plain.body.toString('utf8');
    expect(html).toContain('Declare');

    const br = await adminRequest(deps, '/admin/incidents/new', owner, BROWSER);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toContain('Accept-Encoding');
    expect(br.headers.get('cache-control')).toBe('no-store');
    expect(br.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(br.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(html);
    expect(br.body.byteLength).toBeLessThan(plain.body.byteLength / 3);

    const gzip = await adminRequest(deps, '/admin/incidents/new', owner, 'gzip');
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(gzip.body).toString('utf8')).toBe(html);
  });

  it('compress each response for its own request and keep nothing: two people get their own pages', async () => {
    const deps = await createTestDeps();
    const counts = countCompressions(deps);
    const first = await signIn(deps, 'owner', 'first@example.com');
    const second = await signIn(deps, 'owner', 'second@example.com');
    await deps.db.atomic([deps.repos.accounts.updateUser(second.userId, { name: 'Second Person', updatedAt: deps.clock.now() })]);
    const a = brotliDecompressSync((await adminRequest(deps, '/admin', first, BROWSER)).body).toString('utf8');
    const b = brotliDecompressSync((await adminRequest(deps, '/admin', second, BROWSER)).body).toString('utf8');
    expect(a).not.toContain('Second Person');
    expect(b).toContain('Second Person');
    expect(counts.br).toBe(2);
  });

  it('fall back to gzip where the runtime has no brotli (Workers), and send small answers as they are', async () => {
    const deps = await createTestDeps();
    const compress = deps.compress;
    deps.compress = (body, coding) => (coding === 'br' ? Promise.resolve(null) : compress(body, coding));
    const owner = await signIn(deps, 'owner');
    const page = await adminRequest(deps, '/admin/settings', owner, BROWSER);
    expect(page.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(page.body).toString('utf8')).toContain('<h1>Page settings</h1>');

    const redirect = await createApp(deps).request('/admin', { headers: { 'Accept-Encoding': BROWSER } });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('content-encoding')).toBeNull();
  });
});

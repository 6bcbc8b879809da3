import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MINUTE } from '../../src/domain/calendar.js';
import { auditEntry } from '../../src/services/auth/actor.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { textOf } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

async function setup(timeZone = 'UTC'): Promise<{ deps: TestDeps; owner: TestSession }> {
  const deps = await createTestDeps({ config: { initialTimeZone: timeZone } });
  const owner = await signIn(deps, 'owner', 'ada@example.com');
  return { deps, owner };
}

/** The actions on the page, in order, by their codes. */
const actionsOn = (html: string): string[] => [...html.matchAll(/<code>([a-z_.]+)<\/code>/g)].map((m) => m[1]!);

describe('audit log access', () => {
  it('refuses admin, comms and viewer with 403 and no data', async () => {
    const { deps } = await setup();
    for (const role of ['admin', 'comms', 'viewer'] as const) {
      const member = await signIn(deps, role);
      const res = await adminGet(deps, '/admin/audit', member);
      expect(res.status).toBe(403);
      expect(res.text).not.toContain('ada@example.com');
      expect(res.text).not.toContain('session.login');
    }
  });

  it('sends anonymous visitors to sign-in', async () => {
    const { deps } = await setup();
    const res = await createApp(deps).request('/admin/audit?before=10');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Faudit%3Fbefore%3D10');
  });
});

describe('audit log', () => {
  it('records sign-in, role changes and token create/revoke, newest first, in the page time zone', async () => {
    const { deps, owner } = await setup('Europe/Berlin');
    deps.clock.advance(MINUTE);
    const lead = await signIn(deps, 'comms', 'lead@example.com');
    deps.clock.advance(MINUTE);
    expect((await adminPost(deps, `/admin/team/${lead.userId}/role`, owner, { role: 'admin' })).status).toBe(303);
    deps.clock.advance(MINUTE);
    expect((await adminPost(deps, '/admin/tokens', owner, { name: 'deploy-bot', scope: 'comms' })).status).toBe(200);
    const [token] = await deps.repos.accounts.listApiTokens();
    deps.clock.advance(MINUTE);
    expect((await adminPost(deps, `/admin/tokens/${token!.id}/revoke`, owner, {})).status).toBe(303);

    const res = await adminGet(deps, '/admin/audit', owner);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(actionsOn(res.text)).toEqual(['token.revoke', 'token.create', 'user.change_role', 'session.login', 'session.login']);
    const text = textOf(res.text);
    expect(text).toContain('Times in Europe/Berlin');
    // 12:04 UTC is 13:04 in Berlin in November.
    expect(text).toContain('Revoked an API token 23 Nov 2026, 13:04 CET By Test owner &lt;ada@example.com&gt;');
    expect(text).toContain('Changed a role 23 Nov 2026, 13:02 CET');
    expect(text).toContain(`Target: user ${lead.userId}`);
    expect(text).toContain('from: comms to: admin');
    expect(text).toContain('name: deploy-bot scope: comms');
    expect(text).toContain('Signed in 23 Nov 2026, 13:01 CET By Test comms &lt;lead@example.com&gt;');
    expect(res.text).not.toContain('Older entries');
  });

  it('escapes details, actors and actions', async () => {
    const { deps, owner } = await setup();
    await adminPost(deps, '/admin/tokens', owner, { name: '<script>alert(1)</script>', scope: 'viewer' });
    await deps.db.atomic([
      auditEntry(deps, { kind: 'token', id: 'x', label: 'token: <img src=x onerror=alert(2)>', role: 'owner' }, {
        action: 'custom.<b>thing</b>',
        targetType: 'thing',
        targetId: '"><svg onload=alert(3)>',
        details: { note: '<iframe src="javascript:alert(4)">' },
      }),
    ]);
    const res = await adminGet(deps, '/admin/audit', owner);
    expect(res.status).toBe(200);
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).not.toMatch(/<script>|<img src=x|<svg|<iframe|<b>thing/);
    expect(res.text).toContain('&lt;iframe src=&quot;javascript:alert(4)&quot;&gt;');
  });

  it('pages 50 entries at a time with ?before=<id>', async () => {
    const { deps, owner } = await setup();
    // The owner's sign-in is entry 1; add 119 more.
    const rows = Array.from({ length: 119 }, (_, i) => auditEntry(deps, FIXTURE_ACTOR, { action: 'test.entry', details: { n: i + 1 } }));
    await deps.db.atomic(rows);

    const first = await adminGet(deps, '/admin/audit', owner);
    expect(actionsOn(first.text)).toHaveLength(50);
    expect(textOf(first.text)).toContain('n: 119');
    expect(first.text).not.toContain('Newest</a>');
    const older = /href="(\/admin\/audit\?before=(\d+))"/.exec(first.text)!;
    expect(Number(older[2])).toBe(71);

    const second = await adminGet(deps, older[1]!, owner);
    expect(second.status).toBe(200);
    expect(actionsOn(second.text)).toHaveLength(50);
    expect(textOf(second.text)).toContain('n: 69');
    expect(textOf(second.text)).not.toContain('n: 70 ');
    const third = await adminGet(deps, /href="(\/admin\/audit\?before=\d+)"/.exec(second.text)![1]!, owner);
    expect(actionsOn(third.text)).toEqual([...Array(19).fill('test.entry'), 'session.login']);
    expect(third.text).not.toContain('Older entries');
    expect(third.text).toContain('href="/admin/audit"');

    const past = await adminGet(deps, '/admin/audit?before=1', owner);
    expect(textOf(past.text)).toContain('No older entries.');
  });

  it('refuses a malformed page position', async () => {
    const { deps, owner } = await setup();
    for (const before of ['abc', '-3', '1.5']) {
      const res = await adminGet(deps, `/admin/audit?before=${before}`, owner);
      expect(res.status).toBe(400);
      expect(res.text).toContain('must be an audit entry number');
    }
  });
});

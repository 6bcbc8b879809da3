import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MAX_IN_LIST } from '../../src/db/chunks.js';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import type { Role } from '../../src/domain/constants.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { MAX_IMPORT_ROWS } from '../../src/services/subscribers/manage.js';
import { addSubscribers, outboxRows, subscriberRows } from '../mail/support.js';
import { apiCall, apiToken } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeGroup, makeIncident, makeMaintenance } from '../support/factories.js';
import { client, expectError, iso, NOON } from './helpers.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

/*
 * The subscriber and email-delivery operations beyond their happy path
 * (operations.test.ts): paging and filters, validation, what an import does,
 * removal, delivery counts, and which token scopes may do what.
 */

async function setup(role: Role = 'admin') {
  const deps = await createTestDeps({ now: NOON });
  deps.mail = { name: 'resend', maxBatch: 100, sendBatch: async () => ({ kind: 'retry', error: 'unused' }) };
  return { deps, ...(await client(deps, role)) };
}

const emailsOf = (page: { data: { email: string }[] }): string[] => page.data.map((s) => s.email);

/** Nothing was imported: no subscriber, no email queued, no audit entry. */
async function expectNothingImported(deps: TestDeps): Promise<void> {
  expect(await subscriberRows(deps)).toEqual([]);
  expect(await outboxRows(deps)).toEqual([]);
  expect((await deps.repos.audit.list({ limit: 5 })).filter((e) => e.action === 'subscriber.import')).toEqual([]);
}

describe('GET /api/v1/subscribers', () => {
  it('searches literally and case-blind, filters by status, and keeps the counts of the whole list', async () => {
    const { deps, call } = await setup('comms');
    await addSubscribers(deps, ['a%b@example.com', 'axb@example.com', 'a_c@example.com', 'ops@other.org']);
    await addSubscribers(deps, ['pending@example.com', 'later@other.org'], { status: 'pending' });
    await addSubscribers(deps, ['left@example.com'], { status: 'unsubscribed' });
    const counts = { pending: 2, confirmed: 4, unsubscribed: 1, suppressed: 0 };

    const all = await call('GET', '/api/v1/subscribers');
    expect(emailsOf(all)).toEqual([
      'a%b@example.com', 'a_c@example.com', 'axb@example.com', 'later@other.org', 'left@example.com', 'ops@other.org', 'pending@example.com',
    ]);
    expect(all.pagination).toEqual({ per_page: 20, has_more: false, next_after: null });
    expect(all.counts).toEqual(counts);

    expect(emailsOf(await call('GET', `/api/v1/subscribers?search=${encodeURIComponent('%')}`))).toEqual(['a%b@example.com']);
    expect(emailsOf(await call('GET', '/api/v1/subscribers?search=a_'))).toEqual(['a_c@example.com']);
    expect(emailsOf(await call('GET', `/api/v1/subscribers?search=${encodeURIComponent('  OTHER.org ')}`))).toEqual(['later@other.org', 'ops@other.org']);
    expect(emailsOf(await call('GET', '/api/v1/subscribers?search='))).toHaveLength(7);
    const pending = await call('GET', '/api/v1/subscribers?status=pending');
    expect(emailsOf(pending)).toEqual(['later@other.org', 'pending@example.com']);
    expect(pending.data.every((s: { confirmed_at: string | null }) => s.confirmed_at === iso(NOON))).toBe(true);
    // Search, status and the cursor together; the counts never follow the filters.
    const filtered = await call('GET', '/api/v1/subscribers?search=example.com&status=confirmed&per_page=1&after=a_c%40example.com');
    expect(emailsOf(filtered)).toEqual(['axb@example.com']);
    expect(filtered.pagination).toEqual({ per_page: 1, has_more: false, next_after: null });
    expect(filtered.counts).toEqual(counts);
    expect((await call('GET', '/api/v1/subscribers?search=nobody')).data).toEqual([]);
  });

  it('pages through hundreds of subscribers, each with its own choice of components and groups', async () => {
    const { deps, call } = await setup('comms');
    const group = await makeGroup(deps, 'Core');
    const api = await makeComponent(deps, { name: 'API', groupId: group });
    const web = await makeComponent(deps, { name: 'Web' });
    const pad = (i: number) => String(i).padStart(3, '0');
    await addSubscribers(deps, Array.from({ length: 90 }, (_, i) => `all-${pad(i)}@example.com`));
    await addSubscribers(deps, Array.from({ length: 80 }, (_, i) => `api-${pad(i)}@example.com`), { componentIds: [api] });
    await addSubscribers(deps, Array.from({ length: 80 }, (_, i) => `mixed-${pad(i)}@example.com`), { componentIds: [web, api], groupIds: [group] });

    const seen: { email: string; all_components: boolean; component_ids: string[]; group_ids: string[] }[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = await call('GET', `/api/v1/subscribers?per_page=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      seen.push(...page.data);
      after = page.pagination.next_after;
      expect(page.pagination.has_more).toBe(after !== null);
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(seen.map((s) => s.email)).toEqual(seen.map((s) => s.email).sort());
    expect(new Set(seen.map((s) => s.email)).size).toBe(250);
    // More than MAX_IN_LIST subscribers with a choice on one page: their scopes are read in chunks.
    expect(seen.slice(100, 200).filter((s) => !s.all_components).length).toBeGreaterThan(MAX_IN_LIST);
    for (const s of seen) {
      const expected = s.email.startsWith('all-')
        ? { all_components: true, component_ids: [], group_ids: [] }
        : s.email.startsWith('api-')
          ? { all_components: false, component_ids: [api], group_ids: [] }
          : { all_components: false, component_ids: [api, web].sort(), group_ids: [group] };
      expect(s, s.email).toMatchObject(expected);
    }
  });

  it('answers 400 with a message per invalid query parameter', async () => {
    const { deps, call, raw } = await setup('comms');
    await addSubscribers(deps, ['ada@example.com']);
    const error = expectError(
      await raw('GET', `/api/v1/subscribers?status=bogus&per_page=101&search=${'x'.repeat(255)}&after=${'y'.repeat(255)}`),
      400,
      'invalid_input',
    );
    expect(Object.keys(error.fields ?? {}).sort()).toEqual(['after', 'per_page', 'search', 'status']);
    expect(error.fields!.status![0]).toContain('pending');
    expect(JSON.stringify(error)).not.toContain('ada@example.com');
    expect(expectError(await raw('GET', '/api/v1/subscribers?per_page=0'), 400, 'invalid_input').fields).toEqual({
      per_page: [expect.any(String)],
    });
    expect(Object.keys(expectError(await raw('GET', '/api/v1/subscribers?status=CONFIRMED'), 400, 'invalid_input').fields ?? {})).toEqual(['status']);
  });
});

describe('POST /api/v1/subscribers/import', () => {
  it('without consent: new addresses are pending and each gets a confirmation email; known ones are left alone', async () => {
    const { deps, call } = await setup('admin');
    const [left] = await addSubscribers(deps, ['left@example.com'], { status: 'unsubscribed' });
    const [bounced] = await addSubscribers(deps, ['bounced@example.com'], { status: 'suppressed' });
    const csv = '\uFEFFE-mail address;name\r\n"new@example.com",New\r\nLEFT@example.com\r\nbounced@example.com\r\n\r\nnew@example.com\r\n@nope\r\n';
    const report = await call('POST', '/api/v1/subscribers/import', { csv, consented: false }, 200);
    expect(report).toEqual({
      added: 1,
      existing: 2,
      duplicates: 1,
      invalid: [{ line: 7, value: '@nope', reason: 'not an email address' }],
      invalid_count: 1,
    });
    const added = (await deps.repos.subscribers.findByEmail('new@example.com'))!;
    expect(added).toMatchObject({ status: 'pending', source: 'import', confirmedAt: null, allComponents: true });
    expect((await outboxRows(deps)).map((r) => [r.kind, r.subscriberId, r.status])).toEqual([['confirm', added.id, 'queued']]);
    // An import never resubscribes someone who left or bounced.
    expect((await deps.repos.subscribers.findById(left!))!.status).toBe('unsubscribed');
    expect((await deps.repos.subscribers.findById(bounced!))!.status).toBe('suppressed');
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'subscriber.import', actor: 'token: test admin' });
    expect(JSON.parse(entry!.details!)).toMatchObject({ added: 1, existing: 2, duplicates: 1, invalid: 1, consented: false });
  });

  it('reports at most 100 invalid lines but counts them all', async () => {
    const { call } = await setup('owner');
    const csv = Array.from({ length: 150 }, (_, i) => `bad-${i}`).join('\n');
    const report = await call('POST', '/api/v1/subscribers/import', { csv, consented: true }, 200);
    expect(report).toMatchObject({ added: 0, invalid_count: 150 });
    expect(report.invalid).toHaveLength(100);
    expect(report.invalid[99]).toEqual({ line: 100, value: 'bad-99', reason: 'not an email address' });
  });

  it('answers 400 per invalid field and imports nothing', async () => {
    const { deps, call, token, raw } = await setup('admin');
    const cases: [unknown, Record<string, unknown>][] = [
      [{}, { csv: ['is required'], consented: ['is required'] }],
      [{ csv: 42, consented: 'yes' }, { csv: [expect.any(String)], consented: [expect.any(String)] }],
      [{ csv: ' \n\r\n ', consented: true }, { csv: ['is empty: send one address per line'] }],
      [{ csv: '\uFEFF', consented: true }, { csv: ['is empty: send one address per line'] }],
      [{ emails: ['ada@example.com'], csv: 'ada@example.com', consented: true }, { emails: ['is not a field of this request'] }],
      [['ada@example.com'], { _: ['must be a JSON object'] }],
      // Within the body limit, over the service's row limit: the service's message, under the API's field name.
      [{ csv: `${'\n'.repeat(MAX_IMPORT_ROWS + 1)}ada@example.com`, consented: true }, { csv: ['too many rows'] }],
    ];
    for (const [body, fields] of cases) {
      const error = expectError(await raw('POST', '/api/v1/subscribers/import', body), 400, 'invalid_input');
      expect(error.fields, JSON.stringify(body).slice(0, 80)).toEqual(fields);
    }
    const broken = await createApp(deps).request('/api/v1/subscribers/import', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{"csv": "ada@example.com", "consented": tru',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as any).error.code).toBe('invalid_json');
    await expectNothingImported(deps);
  });

  it('imports as many addresses as fit in the 256 KB body in one call, each new one with one confirmation', async () => {
    const { deps, call } = await setup('admin');
    const [known] = await addSubscribers(deps, ['subscriber-42@example.com'], { status: 'suppressed' });
    const csv = Array.from({ length: 9_000 }, (_, i) => `subscriber-${i}@example.com`).join('\n');
    expect(csv.length).toBeLessThan(256 * 1024 - 100);
    const report = await call('POST', '/api/v1/subscribers/import', { csv, consented: false }, 200);
    expect(report).toEqual({ added: 8_999, existing: 1, duplicates: 0, invalid: [], invalid_count: 0 });
    expect((await deps.repos.subscribers.countByStatus()).pending).toBe(8_999);
    expect((await deps.repos.subscribers.findById(known!))!.status).toBe('suppressed');
    const queued = await outboxRows(deps);
    expect(queued).toHaveLength(8_999);
    expect(new Set(queued.map((r) => r.subscriberId)).size).toBe(8_999);
    expect(queued.every((r) => r.kind === 'confirm' && r.subscriberId !== known)).toBe(true);
  });

  it('answers 413 for a body over 256 KB and imports nothing', async () => {
    const { deps, call, raw } = await setup('admin');
    const csv = Array.from({ length: 12_000 }, (_, i) => `subscriber-${i}@example.com`).join('\n');
    expect(csv.length).toBeGreaterThan(256 * 1024);
    expectError(await raw('POST', '/api/v1/subscribers/import', { csv, consented: true }), 413, 'payload_too_large');
    await expectNothingImported(deps);
  });
});

describe('DELETE /api/v1/subscribers/{id}', () => {
  it('removes the subscriber with the emails still queued for them, and answers 404 once gone', async () => {
    const { deps, call, raw } = await setup('admin');
    const [ada, grace] = await addSubscribers(deps, ['ada@example.com', 'grace@example.com']);
    await makeIncident(deps, { severity: 1, notify: true });
    expect(await outboxRows(deps)).toHaveLength(2);
    await call('DELETE', `/api/v1/subscribers/${ada}`, undefined, 204);
    expect((await subscriberRows(deps)).map((s) => s.id)).toEqual([grace]);
    expect((await outboxRows(deps)).map((r) => r.subscriberId)).toEqual([grace]);
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'subscriber.remove', targetType: 'subscriber', targetId: ada, actor: 'token: test admin' });
    expect(JSON.parse(entry!.details!)).toEqual({ email: 'ada@example.com' });

    expectError(await raw('DELETE', `/api/v1/subscribers/${ada}`), 404, 'not_found');
    expectError(await raw('DELETE', '/api/v1/subscribers/abcdef123456'), 404, 'not_found');
    expectError(await raw('DELETE', '/api/v1/subscribers/NOT_AN_ID'), 404, 'not_found');
    expect((await subscriberRows(deps)).map((s) => s.id)).toEqual([grace]);
  });
});

describe('GET /api/v1/incidents/{id}/deliveries and /maintenance/{id}/deliveries', () => {
  it('counts each update separately (newest first, zeros without emails) and lists the latest failures first', async () => {
    const { deps, call } = await setup('comms');
    await addSubscribers(deps, ['s1@example.com', 's2@example.com', 's3@example.com']);
    const id = await makeIncident(deps, { severity: 1, notify: true });
    const first = await outboxRows(deps);
    await deps.db.atomic([
      ...deps.repos.outbox.recordBatch([{ id: first[0]!.id, error: 'first failure' }], NOON),
      ...first.slice(1).flatMap((r) => deps.repos.outbox.recordBatch([{ id: r.id, providerId: `m${r.id}` }], NOON)),
    ]);
    deps.clock.advance(10 * MINUTE);
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'We found the cause.', components: [] }, FIXTURE_ACTOR);
    const second = (await outboxRows(deps)).filter((r) => r.status === 'queued');
    await deps.db.atomic([
      ...deps.repos.outbox.recordBatch([{ id: second[0]!.id, error: 'second failure' }], NOON + 10 * MINUTE),
      deps.repos.outbox.skipQueuedFor(second[2]!.subscriberId, 'unsubscribed'),
    ]);
    // A backfilled update (dated over an hour back) sends nothing.
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'Earlier note.', components: [], at: NOON - 2 * HOUR }, FIXTURE_ACTOR);
    const updates = (await deps.repos.incidents.findById(id))!.updates;

    const deliveries = await call('GET', `/api/v1/incidents/${id}/deliveries`);
    expect(deliveries.updates.map((u: { update_id: string }) => u.update_id)).toEqual(updates.map((u) => u.id));
    expect(deliveries.updates.map((u: any) => [u.status, u.queued, u.sent, u.failed, u.skipped, u.total])).toEqual([
      ['identified', 1, 0, 1, 1, 3],
      ['investigating', 0, 2, 1, 0, 3],
      ['identified', 0, 0, 0, 0, 0],
    ]);
    expect(deliveries.in_progress).toBe(true);
    const email = async (subscriberId: string) => (await deps.repos.subscribers.findById(subscriberId))!.email;
    expect(deliveries.latest_failures).toEqual([
      { update_id: updates[0]!.id, email: await email(second[0]!.subscriberId), reason: 'second failure', at: iso(NOON + 10 * MINUTE) },
      { update_id: updates[1]!.id, email: await email(first[0]!.subscriberId), reason: 'first failure', at: iso(NOON) },
    ]);

    // Everything out: no longer in progress; no transport configured shows as null.
    await deps.db.atomic(deps.repos.outbox.recordBatch([{ id: second[1]!.id, providerId: 'm-last' }], NOON + 11 * MINUTE));
    deps.mail = null;
    const done = await call('GET', `/api/v1/incidents/${id}/deliveries`);
    expect(done).toMatchObject({ in_progress: false, transport: null });
  });

  it('keeps the 50 latest failures and counts updates past one statement of ids', async () => {
    const { deps, call } = await setup('viewer');
    await addSubscribers(deps, Array.from({ length: 60 }, (_, i) => `s${i}@example.com`));
    const id = await makeIncident(deps, { severity: 1, notify: true });
    const rows = await outboxRows(deps);
    await deps.db.atomic(rows.flatMap((r, i) => deps.repos.outbox.recordBatch([{ id: r.id, error: `failure ${i}` }], NOON + i * 1000)));
    const failures = (await call('GET', `/api/v1/incidents/${id}/deliveries`)).latest_failures;
    expect(failures).toHaveLength(50);
    expect(failures[0]).toMatchObject({ reason: 'failure 59', at: iso(NOON + 59_000) });
    expect(failures[49]).toMatchObject({ reason: 'failure 10' });

    // More updates than one IN list may hold: every update is counted.
    const quiet = await makeIncident(deps, { severity: 3, notify: false });
    for (let i = 0; i < MAX_IN_LIST + 10; i++) {
      deps.clock.advance(1000);
      await postUpdate(deps, { incidentId: quiet, status: 'identified', body: `Note ${i}.`, components: [] }, FIXTURE_ACTOR);
    }
    const many = await call('GET', `/api/v1/incidents/${quiet}/deliveries`);
    expect(many.updates).toHaveLength(MAX_IN_LIST + 11);
    expect(many.updates.every((u: { total: number }) => u.total === 0)).toBe(true);
    expect(many).toMatchObject({ in_progress: false, latest_failures: [] });
  });

  it('answers 404 for unknown and malformed ids and for the other kind', async () => {
    const { deps, call, raw } = await setup('viewer');
    const incident = await makeIncident(deps);
    const maintenance = await makeMaintenance(deps, { scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + HOUR });
    expectError(await raw('GET', `/api/v1/incidents/${maintenance}/deliveries`), 404, 'not_found');
    expectError(await raw('GET', `/api/v1/maintenance/${incident}/deliveries`), 404, 'not_found');
    expectError(await raw('GET', '/api/v1/incidents/abcdef123456/deliveries'), 404, 'not_found');
    expectError(await raw('GET', '/api/v1/incidents/NOT_AN_ID/deliveries'), 404, 'not_found');
  });
});

describe('GET /api/v1/outbox', () => {
  it('counts every email by status, the oldest waiting and the transport', async () => {
    const { deps, call } = await setup('comms');
    deps.mail = null;
    expect(await call('GET', '/api/v1/outbox')).toEqual({
      counts: { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0 },
      preparing: false,
      oldest_waiting_at: null,
      transport: null,
    });
    await addSubscribers(deps, ['a@example.com', 'b@example.com']);
    await makeIncident(deps, { severity: 1, notify: true });
    deps.clock.advance(5 * MINUTE);
    // A confirmation email, queued later, counts too.
    const admin = await client(deps, 'admin');
    await admin.call('POST', '/api/v1/subscribers/import', { csv: 'c@example.com', consented: false }, 200);
    const [first] = await outboxRows(deps);
    await deps.db.atomic(deps.repos.outbox.recordBatch([{ id: first!.id, providerId: 'msg-1' }], NOON + 5 * MINUTE));
    deps.mail = { name: 'files', maxBatch: 100, sendBatch: async () => ({ kind: 'retry', error: 'unused' }) };
    expect(await call('GET', '/api/v1/outbox')).toEqual({
      counts: { queued: 2, sending: 0, sent: 1, failed: 0, skipped: 0 },
      preparing: false,
      oldest_waiting_at: iso(NOON),
      transport: 'files',
    });
  });
});

describe('token scopes', () => {
  it('lets a viewer follow deliveries but not read or change subscribers or the outbox', async () => {
    const { deps, token } = await setup('viewer');
    const [ada] = await addSubscribers(deps, ['ada@example.com']);
    const incident = await makeIncident(deps, { severity: 1, notify: true });
    const refused: [string, string, unknown?][] = [
      ['GET', '/api/v1/subscribers'],
      ['GET', '/api/v1/subscribers?search=ada'],
      ['GET', '/api/v1/outbox'],
      ['POST', '/api/v1/subscribers/import', { csv: 'eve@example.com', consented: true }],
      ['DELETE', `/api/v1/subscribers/${ada}`],
    ];
    for (const [method, path, body] of refused) {
      const res = await apiCall(deps, method, path, token, body);
      const error = expectError(res, 403, 'forbidden');
      expect(error.message, path).toContain('viewer');
      expect(res.text, path).not.toContain('ada@example.com');
    }
    expect((await apiCall(deps, 'GET', `/api/v1/incidents/${incident}/deliveries`, token)).status).toBe(200);
    expect((await subscriberRows(deps)).map((s) => s.email)).toEqual(['ada@example.com']);
  });

  it('lets comms read subscribers and the outbox, but leaves import and removal to admins', async () => {
    const { deps, call, token } = await setup('comms');
    const [ada] = await addSubscribers(deps, ['ada@example.com']);
    expect(emailsOf(await call('GET', '/api/v1/subscribers'))).toEqual(['ada@example.com']);
    await call('GET', '/api/v1/outbox');
    for (const [method, path, body] of [
      ['POST', '/api/v1/subscribers/import', { csv: 'eve@example.com', consented: true }],
      ['DELETE', `/api/v1/subscribers/${ada}`, undefined],
    ] as const) {
      const error = expectError(await apiCall(deps, method, path, token, body), 403, 'forbidden');
      expect(error.message).toContain('admin');
    }
    expect((await subscriberRows(deps)).map((s) => s.email)).toEqual(['ada@example.com']);

    const admin = await apiToken(deps, 'admin');
    expect((await apiCall(deps, 'POST', '/api/v1/subscribers/import', admin, { csv: 'eve@example.com', consented: true })).status).toBe(200);
    expect((await apiCall(deps, 'DELETE', `/api/v1/subscribers/${ada}`, admin)).status).toBe(204);
    expect((await subscriberRows(deps)).map((s) => s.email)).toEqual(['eve@example.com']);
  });
});

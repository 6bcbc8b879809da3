import { describe, expect, it } from 'vitest';
import { createApp, MAX_BODY_BYTES } from '../../src/app.js';
import { MINUTE } from '../../src/domain/calendar.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, signIn, type TestResponse, type TestSession } from '../support/admin.js';
import { makeComponent, makeGroup } from '../support/factories.js';
import { textOf } from '../support/http.js';
import { addSubscribers, outboxRows, subscriberRows } from '../mail/support.js';
import { inspectHtml } from '../security/support.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

async function setup(): Promise<{ deps: TestDeps; admin: TestSession; comms: TestSession }> {
  const deps = await createTestDeps({ now: NOON });
  const admin = await signIn(deps, 'admin');
  const comms = await signIn(deps, 'comms');
  return { deps, admin, comms };
}

/** The number shown next to a status filter link. */
const countOf = (html: string, label: string): number => {
  const match = new RegExp(`>${label} <span class="pill">(\\d+)</span></a>`).exec(html);
  if (!match) throw new Error(`no count for ${label}`);
  return Number(match[1]);
};

/** Emails in the subscriber table, in order. */
const emailsIn = (html: string): string[] => [...html.matchAll(/<td style="word-break:break-all">([^<]*)<\/td>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

/** POSTs multipart form data (a file upload) as a signed-in member, with their CSRF token. */
async function multipartPost(deps: TestDeps, path: string, session: TestSession, fields: Record<string, string | Blob>): Promise<TestResponse> {
  const form = new FormData();
  form.set('_csrf', session.csrf);
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.set(key, value);
    else form.set(key, value, 'subscribers.csv');
  }
  const res = await createApp(deps).request(path, { method: 'POST', headers: { Cookie: session.cookie }, body: form });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('the subscriber list', () => {
  it('shows counts per status, each subscriber with status, reason, components and dates, and the nav entry for comms', async () => {
    const { deps } = await setup();
    const api = await makeComponent(deps, { name: 'API' });
    const web = await makeComponent(deps, { name: 'Web' });
    const edge = await makeGroup(deps, 'Edge');
    await addSubscribers(deps, ['all@example.com', 'other@example.com']);
    await addSubscribers(deps, ['picky@example.com'], { componentIds: [api, web], groupIds: [edge] });
    deps.clock.advance(24 * 60 * MINUTE);
    await addSubscribers(deps, ['new@example.com', 'later@example.com'], { status: 'pending' });
    await addSubscribers(deps, ['left@example.com'], { status: 'unsubscribed' });
    const [bounced] = await addSubscribers(deps, ['bounced@example.com'], { status: 'suppressed' });
    await deps.db.atomic([deps.repos.subscribers.update(bounced!, { reason: 'bounce: <mailbox full>', confirmedAt: null })]);
    for (const email of ['new@example.com', 'later@example.com']) {
      await deps.db.atomic([deps.repos.subscribers.update((await deps.repos.subscribers.findByEmail(email))!.id, { confirmedAt: null })]);
    }
    const comms = await signIn(deps, 'comms');

    const res = await adminGet(deps, '/admin/subscribers', comms);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(countOf(res.text, 'All')).toBe(7);
    expect(countOf(res.text, 'Confirmed')).toBe(3);
    expect(countOf(res.text, 'Pending confirmation')).toBe(2);
    expect(countOf(res.text, 'Unsubscribed')).toBe(1);
    expect(countOf(res.text, 'Suppressed')).toBe(1);
    expect(res.text).toContain('href="/admin/subscribers?status=suppressed"');
    expect(emailsIn(res.text)).toEqual([
      'all@example.com', 'bounced@example.com', 'later@example.com', 'left@example.com', 'new@example.com', 'other@example.com', 'picky@example.com',
    ]);
    const rowOf = (email: string) => textOf(new RegExp(`<tr id="subscriber-[a-z0-9]+">\\s*<td[^>]*>${email}</td>[\\s\\S]*?</tr>`).exec(res.text)![0]);
    expect(rowOf('all@example.com')).toBe('all@example.com Confirmed All 23 Nov 2026 23 Nov 2026');
    expect(rowOf('picky@example.com')).toBe('picky@example.com Confirmed 2 components · 1 group 23 Nov 2026 23 Nov 2026');
    // The suppression reason is shown, escaped.
    expect(rowOf('bounced@example.com')).toBe('bounced@example.com Suppressed bounce: &lt;mailbox full&gt; All 24 Nov 2026 –');
    expect(res.text).not.toContain('<mailbox full>');
    // Comms reads the list but gets no import, export or remove controls.
    expect(res.text).not.toContain('/admin/subscribers/import');
    expect(res.text).not.toContain('export.csv');
    expect(res.text).not.toContain('/remove');
    expect(res.text).toContain('<a href="/admin/subscribers" aria-current="page">Subscribers</a>');

    const viewer = await signIn(deps, 'viewer');
    expect((await adminGet(deps, '/admin', viewer)).text).not.toContain('/admin/subscribers');
    const refused = await adminGet(deps, '/admin/subscribers', viewer);
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('all@example.com');
  });

  it('searches for a part of the address, with % and _ taken literally and case ignored', async () => {
    const { deps, comms } = await setup();
    await addSubscribers(deps, ['a%b@example.com', 'axb@example.com', 'a_c@example.com', 'abc@example.com', 'ops@other.org']);
    const search = async (q: string, extra = '') => {
      const res = await adminGet(deps, `/admin/subscribers?q=${encodeURIComponent(q)}${extra}`, comms);
      expect(res.status, q).toBe(200);
      return emailsIn(res.text);
    };
    expect(await search('%')).toEqual(['a%b@example.com']);
    expect(await search('a%b')).toEqual(['a%b@example.com']);
    expect(await search('_')).toEqual(['a_c@example.com']);
    expect(await search('a_c')).toEqual(['a_c@example.com']);
    expect(await search('OTHER.ORG')).toEqual(['ops@other.org']);
    expect(await search('  example.com  ')).toEqual(['a%b@example.com', 'a_c@example.com', 'abc@example.com', 'axb@example.com']);
    expect(await search('nobody')).toEqual([]);
    const page = await adminGet(deps, '/admin/subscribers?q=%25', comms);
    expect(page.text).toContain('value="%"');
    expect(textOf(page.text)).toContain('Showing: every status · email contains “%”');
    expect(textOf((await adminGet(deps, '/admin/subscribers?q=nobody', comms)).text)).toContain('No subscribers match.');
    // The counts stay those of the whole list; the filter links keep the search.
    expect(countOf(page.text, 'All')).toBe(5);
    expect(page.text).toContain('href="/admin/subscribers?q=%25&amp;status=pending"');
  });

  it('filters by status, keeping the search', async () => {
    const { deps, comms } = await setup();
    await addSubscribers(deps, ['c1@example.com', 'c2@example.org']);
    await addSubscribers(deps, ['p1@example.com', 'p2@example.org'], { status: 'pending' });
    const pending = await adminGet(deps, '/admin/subscribers?status=pending', comms);
    expect(emailsIn(pending.text)).toEqual(['p1@example.com', 'p2@example.org']);
    expect(pending.text).toContain('aria-current="true"');
    expect(pending.text).toContain('<input type="hidden" name="status" value="pending">');
    expect(emailsIn((await adminGet(deps, '/admin/subscribers?status=pending&q=example.org', comms)).text)).toEqual(['p2@example.org']);
    expect(emailsIn((await adminGet(deps, '/admin/subscribers?status=suppressed', comms)).text)).toEqual([]);
    // An empty choice ("All") is no filter.
    expect(emailsIn((await adminGet(deps, '/admin/subscribers?status=&q=', comms)).text)).toHaveLength(4);
  });

  it('pages by email with Next (after=) and back to the first page', async () => {
    const { deps, comms } = await setup();
    const emails = Array.from({ length: 120 }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);
    await addSubscribers(deps, [...emails].reverse());
    const seen: string[] = [];
    let path: string | null = '/admin/subscribers';
    let pages = 0;
    while (path) {
      const res = await adminGet(deps, path, comms);
      expect(res.status).toBe(200);
      seen.push(...emailsIn(res.text));
      pages++;
      const next = /<a class="button secondary" href="([^"]+)" rel="next">Next<\/a>/.exec(res.text);
      path = next ? next[1]!.replace(/&amp;/g, '&') : null;
      if (pages > 1) expect(res.text).toContain('>First page</a>');
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(emails);
    const second = await adminGet(deps, '/admin/subscribers?after=user049%40example.com', comms);
    expect(emailsIn(second.text)[0]).toBe('user050@example.com');
    expect(emailsIn(second.text)).toHaveLength(50);
    // Paging keeps the filters.
    const filtered = await adminGet(deps, '/admin/subscribers?status=confirmed&q=user', comms);
    expect(filtered.text).toContain('href="/admin/subscribers?q=user&amp;status=confirmed&amp;after=user049%40example.com" rel="next"');
  });

  it('answers a bad query with a 400 page, never a 500', async () => {
    const { deps, comms } = await setup();
    await addSubscribers(deps, ['ada@example.com']);
    for (const query of ['status=bogus', `q=${'x'.repeat(300)}`, `after=${'y'.repeat(300)}`, 'status=CONFIRMED', 'status[]=x']) {
      const res = await adminGet(deps, `/admin/subscribers?${query}`, comms);
      if (query === 'status[]=x') {
        expect(res.status, query).toBe(200);
        continue;
      }
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toContain('text/html');
      expect(res.text, query).not.toContain('ada@example.com');
    }
    expect(textOf((await adminGet(deps, '/admin/subscribers?status=bogus', comms)).text)).toContain('status: must be one of pending, confirmed, unsubscribed, suppressed');
    expect(deps.log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('summarises the outbox: queued, sending, sent, failed, the oldest waiting and the transport', async () => {
    const { deps, comms } = await setup();
    await addSubscribers(deps, ['a@example.com', 'b@example.com', 'c@example.com']);
    deps.mail = null;
    let page = textOf((await adminGet(deps, '/admin/subscribers', comms)).text);
    expect(page).toContain('0 queued · 0 sending · 0 sent · 0 failed');
    expect(page).toContain('Oldest waiting: nothing is waiting');
    expect(page).toContain('Transport: None: emails are queued but not sent');
    await declareIncident(deps, { title: 'API down', severity: 1, body: 'We are investigating.', notify: true }, FIXTURE_ACTOR);
    const rows = await outboxRows(deps);
    await deps.db.atomic(deps.repos.outbox.recordBatch([{ id: rows[0]!.id, providerId: 'msg-1' }], NOON));
    deps.clock.advance(5 * MINUTE);
    deps.mail = { name: 'files', maxBatch: 100, sendBatch: async () => ({ kind: 'retry', error: 'unused' }) };
    page = textOf((await adminGet(deps, '/admin/subscribers', comms)).text);
    expect(page).toContain('2 queued · 0 sending · 1 sent · 0 failed');
    expect(page).toContain('Oldest waiting: queued 5 min ago');
    expect(page).toContain('Transport: Files: emails are written to disk on the server, not sent');
    deps.mail = { ...deps.mail, name: 'resend' };
    expect(textOf((await adminGet(deps, '/admin/subscribers', comms)).text)).toContain('Transport: Resend: emails are sent.');
  });
});

describe('importing, exporting and removing subscribers: admins and up', () => {
  it('lets comms read the list but refuses import, export and remove with 403, changing nothing', async () => {
    const { deps, comms } = await setup();
    const [id] = await addSubscribers(deps, ['ada@example.com']);
    expect((await adminGet(deps, '/admin/subscribers', comms)).status).toBe(200);
    expect((await adminGet(deps, '/admin/subscribers/import', comms)).status).toBe(403);
    const post = await adminPost(deps, '/admin/subscribers/import', comms, { csv: 'eve@example.com', consent: 'yes' });
    expect(post.status).toBe(403);
    const upload = await multipartPost(deps, '/admin/subscribers/import', comms, { file: new Blob(['eve@example.com\n']), consent: 'yes' });
    expect(upload.status).toBe(403);
    const csv = await adminPost(deps, '/admin/subscribers/export.csv', comms, {});
    expect(csv.status).toBe(403);
    expect(csv.text).not.toContain('ada@example.com');
    expect((await adminGet(deps, `/admin/subscribers/${id}/remove`, comms)).status).toBe(403);
    expect((await adminPost(deps, `/admin/subscribers/${id}/remove`, comms, {})).status).toBe(403);
    expect((await subscriberRows(deps)).map((s) => s.email)).toEqual(['ada@example.com']);
    expect((await deps.repos.audit.list({ limit: 50 })).filter((a) => a.action.startsWith('subscriber.'))).toEqual([]);
  });

  it('imports without consent as pending, queueing one confirmation each, and reports known, repeated and invalid lines', async () => {
    const { deps, admin } = await setup();
    await addSubscribers(deps, ['known@example.com']);
    await addSubscribers(deps, ['left@example.com'], { status: 'unsubscribed' });
    const form = await adminGet(deps, '/admin/subscribers/import', admin);
    expect(form.status).toBe(200);
    expect(textOf(form.text)).toContain('Up to 1 MB per import: about 20,000 addresses.');
    expect(form.text).toContain('enctype="multipart/form-data"');
    expect(textOf(form.text)).toContain('These people agreed to receive status emails from us (import them as confirmed)');
    expect(form.text).not.toMatch(/name="consent" value="yes" checked/);

    const csv = [
      'Email,Name',
      'new1@example.com,Ada',
      '"New2@Example.com","Grace, Hopper"',
      'not-an-address,Eve',
      'KNOWN@example.com',
      'left@example.com',
      'new1@example.com',
      '',
      '<script>@x',
      'new3@example.com;semicolon',
    ].join('\r\n');
    const res = await adminPost(deps, '/admin/subscribers/import', admin, { csv });
    expect(res.status).toBe(200);
    const text = textOf(res.text);
    expect(text).toContain('3 added as pending: each gets an email asking to confirm');
    expect(text).toContain('Added: 3 (pending confirmation)');
    expect(text).toContain('Already known, left as they were: 2');
    expect(text).toContain('Repeated in the import, counted once: 1');
    expect(text).toContain('Invalid lines, not imported: 2');
    expect(text).toContain('4 not-an-address not an email address');
    expect(res.text).toContain('<code>&lt;script&gt;@x</code>');

    const rows = await subscriberRows(deps);
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    for (const email of ['new1@example.com', 'new2@example.com', 'new3@example.com']) {
      expect(byEmail.get(email), email).toMatchObject({ status: 'pending', confirmedAt: null, source: 'import', allComponents: true });
    }
    // Known addresses are left alone: an import never resubscribes someone who left.
    expect(byEmail.get('left@example.com')!.status).toBe('unsubscribed');
    const queued = await outboxRows(deps);
    expect(queued.map((q) => q.kind)).toEqual(['confirm', 'confirm', 'confirm']);
    expect(new Set(queued.map((q) => q.subscriberId))).toEqual(new Set(['new1@example.com', 'new2@example.com', 'new3@example.com'].map((e) => byEmail.get(e)!.id)));
    const [audit] = await deps.repos.audit.list({ limit: 5 });
    expect(audit).toMatchObject({ action: 'subscriber.import' });
    expect(JSON.parse(audit!.details!)).toEqual({ added: 3, existing: 2, duplicates: 1, invalid: 2, consented: false });
    // Only a first line naming the column is a header: an address that starts with "email" is imported.
    const again = await adminPost(deps, '/admin/subscribers/import', admin, { csv: 'email@example.com\nE-mail Address@example.com\n' });
    expect(textOf(again.text)).toContain('Added: 1 (pending confirmation)');
    expect(textOf(again.text)).toContain('Invalid lines, not imported: 1');
    expect(await deps.repos.subscribers.findByEmail('email@example.com')).toMatchObject({ status: 'pending' });
  });

  it('imports an uploaded file as confirmed when the importer says they consented, and queues no confirmation', async () => {
    const { deps, admin } = await setup();
    await addSubscribers(deps, ['pending@example.com'], { status: 'pending' });
    const file = new Blob(['\uFEFFemail\nada@example.com\ngrace@example.com\npending@example.com\nemail@example.com\n'], { type: 'text/csv' });
    const res = await multipartPost(deps, '/admin/subscribers/import', admin, { file, consent: 'yes', csv: '' });
    expect(res.status).toBe(200);
    const text = textOf(res.text);
    expect(text).toContain('3 added as confirmed');
    expect(text).toContain('Already known, left as they were: 1');
    expect(text).toContain('Invalid lines, not imported: 0');
    const rows = new Map((await subscriberRows(deps)).map((r) => [r.email, r]));
    for (const email of ['ada@example.com', 'grace@example.com', 'email@example.com']) {
      expect(rows.get(email), email).toMatchObject({ status: 'confirmed', confirmedAt: NOON });
    }
    expect(rows.get('pending@example.com')!.status).toBe('pending');
    expect(await outboxRows(deps)).toEqual([]);
  });

  it('imports the "about 20,000 addresses" the form promises in one upload under 1 MB, without a query per address', async () => {
    const { deps, admin } = await setup();
    await addSubscribers(deps, ['firstname.lastname00007@example.com'], { status: 'unsubscribed' });
    // A typical address per line, well under 50 bytes.
    const lines = Array.from({ length: 20_000 }, (_, i) => `firstname.lastname${String(i).padStart(5, '0')}@example.com`);
    const file = new Blob([`email\r\n${lines.join('\r\n')}\r\n`], { type: 'text/csv' });
    expect(file.size).toBeLessThan(MAX_BODY_BYTES - 1024);
    deps.repos.subscribers.findByEmail = () => Promise.reject(new Error('one query per address'));
    const res = await multipartPost(deps, '/admin/subscribers/import', admin, { file, csv: '' });
    expect(res.status).toBe(200);
    const text = textOf(res.text);
    expect(text).toContain('Added: 19999 (pending confirmation)');
    expect(text).toContain('Already known, left as they were: 1');
    expect((await deps.repos.subscribers.countByStatus()).pending).toBe(19_999);
    expect((await deps.repos.outbox.counts()).queued).toBe(19_999);
  });

  it('refuses an empty import, a file and pasted text together, and an upload over 1 MB (413), importing nothing', async () => {
    const { deps, admin } = await setup();
    const empty = await adminPost(deps, '/admin/subscribers/import', admin, { csv: '  \n ', consent: 'yes' });
    expect(empty.status).toBe(400);
    expect(textOf(empty.text)).toContain('Nothing to import');
    // What was chosen is kept.
    expect(empty.text).toMatch(/name="consent" value="yes" checked/);
    const both = await multipartPost(deps, '/admin/subscribers/import', admin, { file: new Blob(['a@example.com']), csv: 'b@example.com' });
    expect(both.status).toBe(400);
    expect(textOf(both.text)).toContain('Choose a file or paste addresses, not both');
    expect(both.text).toContain('>b@example.com</textarea>');
    const line = 'someone.with.a.long.address@example.com\n';
    const big = new Blob([line.repeat(Math.ceil(MAX_BODY_BYTES / line.length) + 10)]);
    const tooBig = await multipartPost(deps, '/admin/subscribers/import', admin, { file: big, consent: 'yes' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get('content-type')).toContain('text/html');
    expect(tooBig.text).toContain('The request body is larger than 1 MB.');
    expect(await subscriberRows(deps)).toEqual([]);
  });

  it('exports every subscriber as CSV: header, quoting, formula-looking values defused, download headers', async () => {
    const { deps, admin } = await setup();
    const api = await makeComponent(deps, { name: 'API' });
    await addSubscribers(deps, ['ada@example.com']);
    await addSubscribers(deps, ['-dash@example.com'], { componentIds: [api] });
    await addSubscribers(deps, ['pending@example.com'], { status: 'pending' });
    const [bounced] = await addSubscribers(deps, ['bounced@example.com'], { status: 'suppressed' });
    await deps.db.atomic([deps.repos.subscribers.update(bounced!, { reason: '=HYPERLINK("http://evil.example","x")' })]);
    await deps.db.atomic([deps.repos.subscribers.update((await deps.repos.subscribers.findByEmail('pending@example.com'))!.id, { confirmedAt: null })]);

    expect((await adminPost(deps, '/admin/subscribers/export.csv', admin, {}, { csrf: false })).status).toBe(403);
    const res = await adminPost(deps, '/admin/subscribers/export.csv', admin, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="subscribers-2026-11-23.csv"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const at = new Date(NOON).toISOString();
    expect(res.text.split('\r\n')).toEqual([
      'email,status,components,created_at,confirmed_at,reason',
      `'-dash@example.com,confirmed,API,${at},${at},`,
      `ada@example.com,confirmed,all,${at},${at},`,
      `bounced@example.com,suppressed,all,${at},${at},"'=HYPERLINK(""http://evil.example"",""x"")"`,
      `pending@example.com,pending,all,${at},,`,
      '',
    ]);
    const [audit] = await deps.repos.audit.list({ limit: 5 });
    expect(audit).toMatchObject({ action: 'subscriber.export' });
    // The list offers it to admins.
    expect((await adminGet(deps, '/admin/subscribers', admin)).text).toContain('action="/admin/subscribers/export.csv"');
  });

  it('removes a subscriber after a confirmation step, with what was queued for them', async () => {
    const { deps, admin } = await setup();
    const [ada] = await addSubscribers(deps, ['ada@example.com']);
    await addSubscribers(deps, ['grace@example.com']);
    await declareIncident(deps, { title: 'API down', severity: 1, body: 'We are investigating.', notify: true }, FIXTURE_ACTOR);
    expect(await outboxRows(deps)).toHaveLength(2);
    const list = await adminGet(deps, '/admin/subscribers', admin);
    expect(list.text).toContain(`href="/admin/subscribers/${ada}/remove"`);

    const confirm = await adminGet(deps, `/admin/subscribers/${ada}/remove`, admin);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.text)).toContain('Remove ada@example.com?');
    expect(confirm.text).toContain(`action="/admin/subscribers/${ada}/remove"`);
    // The GET removed nothing; a POST without the form token neither.
    expect(await subscriberRows(deps)).toHaveLength(2);
    expect((await adminPost(deps, `/admin/subscribers/${ada}/remove`, admin, {}, { csrf: false })).status).toBe(403);
    expect(await subscriberRows(deps)).toHaveLength(2);

    const res = await adminPost(deps, `/admin/subscribers/${ada}/remove`, admin, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/subscribers?done=removed');
    expect((await subscriberRows(deps)).map((s) => s.email)).toEqual(['grace@example.com']);
    expect((await outboxRows(deps)).map((r) => r.subscriberId)).not.toContain(ada);
    expect(textOf((await adminGet(deps, '/admin/subscribers?done=removed', admin)).text)).toContain('Subscriber removed');
    const [audit] = await deps.repos.audit.list({ limit: 5 });
    expect(audit).toMatchObject({ action: 'subscriber.remove', targetId: ada });

    // Gone, or never there: 404.
    expect((await adminGet(deps, `/admin/subscribers/${ada}/remove`, admin)).status).toBe(404);
    expect((await adminPost(deps, `/admin/subscribers/${ada}/remove`, admin, {})).status).toBe(404);
    expect((await adminGet(deps, '/admin/subscribers/NOT-AN-ID/remove', admin)).status).toBe(404);
  });

  it('warns before removing a suppressed address that its suppression goes too', async () => {
    const { deps, admin } = await setup();
    const [id] = await addSubscribers(deps, ['bounced@example.com'], { status: 'suppressed' });
    expect(textOf((await adminGet(deps, `/admin/subscribers/${id}/remove`, admin)).text)).toContain('Removing it also forgets that');
  });
});

describe('delivery progress of incident emails', () => {
  async function incidentWithEmails() {
    const { deps, comms } = await setup();
    const api = await makeComponent(deps, { name: 'API' });
    await addSubscribers(deps, ['s1@example.com', 's2@example.com', 's3@example.com', 's4@example.com', 's5@example.com']);
    await addSubscribers(deps, ['p@example.com'], { status: 'pending' });
    const incident = await declareIncident(deps, {
      title: 'Payments failing',
      severity: 1,
      body: 'We are investigating.',
      components: [{ componentId: api, status: 'major_outage' }],
      notify: true,
    }, FIXTURE_ACTOR);
    return { deps, comms, incident };
  }

  it('shows the counts per update on the incident page and a self-refreshing progress page while emails wait', async () => {
    const { deps, comms, incident } = await incidentWithEmails();
    const rows = await outboxRows(deps);
    expect(rows).toHaveLength(5);
    // One claimed into a batch (sending), two sent, one failed, one still queued.
    await deps.db.atomic([deps.repos.outbox.claimQueued('batch1', 'lease1', NOON, NOON + MINUTE, 1)]);
    const queued = (await outboxRows(deps)).filter((r) => r.status === 'queued');
    const failedRow = queued[2]!;
    await deps.db.atomic([
      ...deps.repos.outbox.recordBatch([{ id: queued[0]!.id, providerId: 'msg-1' }], NOON + 1000),
      ...deps.repos.outbox.recordBatch([{ id: queued[1]!.id, providerId: 'msg-2' }], NOON + 1000),
      ...deps.repos.outbox.recordBatch([{ id: failedRow.id, error: '550 <mailbox> unavailable' }], NOON + 2000),
    ]);
    const failedEmail = (await deps.repos.subscribers.findById(failedRow.subscriberId))!.email;

    const page = await adminGet(deps, `/admin/incidents/${incident}`, comms);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Email: 2 sent · 2 queued · 1 failed · 0 skipped (sending…)');
    expect(page.text).toContain(`href="/admin/incidents/${incident}/deliveries"`);
    expect(page.text).not.toContain('http-equiv="refresh"');

    // Any signed-in role may watch the progress.
    const viewer = await signIn(deps, 'viewer');
    const progress = await adminGet(deps, `/admin/incidents/${incident}/deliveries`, viewer);
    expect(progress.status).toBe(200);
    expect(progress.headers.get('cache-control')).toBe('no-store');
    expect(progress.text).toContain('<meta http-equiv="refresh" content="3">');
    expect(progress.text).not.toContain('<script');
    expect(progress.text).toMatch(/<progress id="progress-[a-z0-9]+" max="5" value="3"/);
    const text = textOf(progress.text);
    expect(text).toContain('This page refreshes itself every 3 seconds');
    expect(text).toContain('3 of 5 processed (60%)');
    expect(text).toContain('Email: 2 sent · 2 queued · 1 failed · 0 skipped');
    // The viewer sees why an email failed, not whose it was; comms sees the address.
    expect(text).toContain('hidden (subscriber addresses need the comms role) 550 &lt;mailbox&gt; unavailable Investigating · 23 Nov 2026, 12:00 UTC');
    expect(text).not.toContain(failedEmail);
    expect(textOf((await adminGet(deps, `/admin/incidents/${incident}/deliveries`, comms)).text)).toContain(
      `${failedEmail} 550 &lt;mailbox&gt; unavailable Investigating · 23 Nov 2026, 12:00 UTC 23 Nov 2026, 12:00 UTC`,
    );
    expect(text).toContain('Emails are written to files on the server, not sent');
    deps.mail = null;
    expect(textOf((await adminGet(deps, `/admin/incidents/${incident}/deliveries`, viewer)).text)).toContain('No email transport is configured');

    // Everything out: the page says so and stops refreshing.
    const rest = (await outboxRows(deps)).filter((r) => r.status === 'queued' || r.status === 'sending');
    await deps.db.atomic(rest.flatMap((r, i) => deps.repos.outbox.recordBatch([{ id: r.id, providerId: `msg-${i + 10}` }], NOON + 3000)));
    const done = await adminGet(deps, `/admin/incidents/${incident}/deliveries`, viewer);
    expect(done.text).not.toContain('http-equiv="refresh"');
    expect(textOf(done.text)).toContain('Done: every email has been sent, has failed or was skipped.');
    expect(done.text).toMatch(/<progress id="progress-[a-z0-9]+" max="5" value="5"/);
    expect(textOf((await adminGet(deps, `/admin/incidents/${incident}`, comms)).text)).toContain('Email: 4 sent · 0 queued · 1 failed · 0 skipped');
  });

  it('lists each update with emails separately, skipped ones counted, the latest failures first', async () => {
    const { deps, comms, incident } = await incidentWithEmails();
    const first = await outboxRows(deps);
    await deps.db.atomic([
      ...deps.repos.outbox.recordBatch([{ id: first[0]!.id, error: 'first failure' }], NOON),
      ...first.slice(1).flatMap((r) => deps.repos.outbox.recordBatch([{ id: r.id, providerId: `m${r.id}` }], NOON)),
    ]);
    deps.clock.advance(10 * MINUTE);
    await postUpdate(deps, { incidentId: incident, status: 'identified', body: 'We found the cause.', components: [] }, FIXTURE_ACTOR);
    const second = (await outboxRows(deps)).filter((r) => r.status === 'queued');
    expect(second).toHaveLength(5);
    const skippedEmail = (await deps.repos.subscribers.findById(second[4]!.subscriberId))!.email;
    await deps.db.atomic([
      ...deps.repos.outbox.recordBatch([{ id: second[0]!.id, error: 'second failure' }], NOON + 10 * MINUTE),
      deps.repos.outbox.skipQueuedFor(second[4]!.subscriberId, 'unsubscribed'),
    ]);
    expect(skippedEmail).toBeTruthy();

    const page = textOf((await adminGet(deps, `/admin/incidents/${incident}`, comms)).text);
    expect(page).toContain('Email: 0 sent · 3 queued · 1 failed · 1 skipped');
    expect(page).toContain('Email: 4 sent · 0 queued · 1 failed · 0 skipped');
    const progress = await adminGet(deps, `/admin/incidents/${incident}/deliveries`, comms);
    const text = textOf(progress.text);
    expect(progress.text).toContain('http-equiv="refresh"');
    expect(text.indexOf('Identified')).toBeLessThan(text.indexOf('Investigating'));
    expect(text).toContain('2 of 5 processed (40%)');
    expect(text).toContain('5 of 5 processed (100%)');
    expect(text.indexOf('second failure')).toBeGreaterThan(-1);
    expect(text.indexOf('second failure')).toBeLessThan(text.indexOf('first failure'));
  });

  it('says when an incident sent no emails, and never refreshes', async () => {
    const { deps, comms } = await setup();
    await addSubscribers(deps, ['s1@example.com']);
    const quiet = await declareIncident(deps, { title: 'Minor glitch', severity: 3, body: 'Small issue.', notify: false }, FIXTURE_ACTOR);
    const page = await adminGet(deps, `/admin/incidents/${quiet}`, comms);
    expect(page.text).not.toContain('/deliveries');
    const progress = await adminGet(deps, `/admin/incidents/${quiet}/deliveries`, comms);
    expect(progress.status).toBe(200);
    expect(progress.text).not.toContain('http-equiv="refresh"');
    expect(textOf(progress.text)).toContain('No emails for this incident');
    expect((await adminGet(deps, '/admin/incidents/zzzzzzzzzzzz/deliveries', comms)).status).toBe(404);
  });
});

describe('the new pages', () => {
  it('are well-formed HTML with nothing executable (the delivery page’s refresh is its only meta http-equiv)', async () => {
    const { deps, admin } = await setup();
    const [id] = await addSubscribers(deps, ['ada@example.com', 'grace@example.com']);
    const [bounced] = await addSubscribers(deps, ['bounced@example.com'], { status: 'suppressed' });
    await deps.db.atomic([deps.repos.subscribers.update(bounced!, { reason: '"><script>alert(1)</script>' })]);
    const incident = await declareIncident(deps, { title: 'API down', severity: 1, body: 'We are investigating.', notify: true }, FIXTURE_ACTOR);
    const [row] = await outboxRows(deps);
    await deps.db.atomic(deps.repos.outbox.recordBatch([{ id: row!.id, error: '<img src=x onerror=alert(1)>' }], NOON));
    const pages: [string, TestResponse][] = [
      ['list', await adminGet(deps, '/admin/subscribers?q=%22%3E%3Cscript%3E', admin)],
      ['list', await adminGet(deps, '/admin/subscribers', admin)],
      ['import', await adminGet(deps, '/admin/subscribers/import', admin)],
      ['import error', await adminPost(deps, '/admin/subscribers/import', admin, { csv: '' })],
      ['imported', await adminPost(deps, '/admin/subscribers/import', admin, { csv: 'x@example.com\n"><b>bad</b>\n' })],
      ['remove', await adminGet(deps, `/admin/subscribers/${id}/remove`, admin)],
      ['incident', await adminGet(deps, `/admin/incidents/${incident}`, admin)],
      ['deliveries', await adminGet(deps, `/admin/incidents/${incident}/deliveries`, admin)],
    ];
    for (const [what, res] of pages) {
      const report = inspectHtml(res.text);
      expect(report.parseErrors, what).toEqual([]);
      expect(report.problems, what).toEqual(what === 'deliveries' ? ['<meta http-equiv>'] : []);
      expect(res.text, what).not.toMatch(/<script|<img|<b>bad/);
    }
  });
});

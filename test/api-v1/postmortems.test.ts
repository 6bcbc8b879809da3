import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { apiCall, signIn } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { makeIncident } from '../support/factories.js';
import { addSubscribers, outboxRows } from '../mail/support.js';
import { client, expectError, iso, NOON } from './helpers.js';

/*
 * The issue 17 operations in detail: permissions (viewer reads, comms
 * writes, nobody anonymous), the revision check that never loses a save,
 * validation answered per field in the API's spelling, and filters.
 */

async function setup() {
  const deps = await createTestDeps({ now: NOON });
  const comms = await client(deps, 'comms');
  const viewer = await client(deps, 'viewer');
  const id = await makeIncident(deps, { title: 'Checkout fails', severity: 1 });
  return { deps, comms, viewer, id };
}

async function resolve(deps: Awaited<ReturnType<typeof createTestDeps>>, id: string) {
  deps.clock.advance(HOUR);
  await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Resolved.' }, FIXTURE_ACTOR);
}

describe('permissions', () => {
  it('lets a viewer read, refuses a viewer every write and answers 401 without a token', async () => {
    const { deps, comms, viewer, id } = await setup();
    await resolve(deps, id); // SEV-1: the postmortem is created on resolution
    const item = await comms.call('POST', `/api/v1/incidents/${id}/action-items`, { title: 'Fix retries' });

    for (const path of [`/api/v1/incidents/${id}/timeline`, `/api/v1/incidents/${id}/timeline.md`, `/api/v1/incidents/${id}/postmortem`, '/api/v1/action-items']) {
      expect((await viewer.raw('GET', path)).status, path).toBe(200);
      expectError(await apiCall(deps, 'GET', path, null), 401, 'unauthorized');
    }
    const writes: [string, string, unknown][] = [
      ['POST', `/api/v1/incidents/${id}/timeline`, { text: 'x' }],
      ['PUT', `/api/v1/incidents/${id}/key-times/detected`, { at: null, reason: 'x' }],
      ['POST', `/api/v1/incidents/${id}/postmortem`, undefined],
      ['PUT', `/api/v1/incidents/${id}/postmortem`, { state: 'in_review' }],
      ['POST', `/api/v1/incidents/${id}/action-items`, { title: 'x' }],
      ['PATCH', `/api/v1/action-items/${item.id}`, { status: 'done' }],
      ['DELETE', `/api/v1/action-items/${item.id}`, undefined],
    ];
    for (const [method, path, body] of writes) {
      expectError(await viewer.raw(method, path, body), 403, 'forbidden');
      expectError(await apiCall(deps, method, path, null, body), 401, 'unauthorized');
    }
    // Nothing changed.
    expect((await comms.call('GET', `/api/v1/incidents/${id}/timeline`)).items.some((i: { type: string }) => i.type === 'note')).toBe(false);
    expect((await comms.call('GET', '/api/v1/action-items')).data[0].status).toBe('open');
  });
});

describe('the postmortem', () => {
  it('is created on resolving a SEV-1, due in 48 hours, with the timeline in its document', async () => {
    const { deps, comms, id } = await setup();
    expectError(await comms.raw('GET', `/api/v1/incidents/${id}/postmortem`), 404, 'not_found');
    await comms.call('POST', `/api/v1/incidents/${id}/timeline`, { text: 'Paged the payments team' });
    await resolve(deps, id);
    const postmortem = await comms.call('GET', `/api/v1/incidents/${id}/postmortem`);
    expect(postmortem).toMatchObject({ state: 'draft', due_at: iso(NOON + HOUR + 48 * HOUR), urgency: 'not_due', revision: 0 });
    expect(postmortem.body).toContain('| Time (UTC) | Event | Who |');
    expect(postmortem.body).toContain('Paged the payments team');
  });

  it('refuses a save based on a stale revision with 409 and keeps the newer text', async () => {
    const { deps, comms, id } = await setup();
    await resolve(deps, id);
    const other = await client(deps, 'comms');
    await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { body: 'First save', base_revision: 0 }, 200);
    const conflict = expectError(await other.raw('PUT', `/api/v1/incidents/${id}/postmortem`, { body: 'Stale save', base_revision: 0 }), 409, 'conflict');
    expect(conflict.message).toMatch(/revision 1/);
    const now = await comms.call('GET', `/api/v1/incidents/${id}/postmortem`);
    expect(now).toMatchObject({ body: 'First save', revision: 1 });
    // A state sent with the stale save did not apply either.
    expectError(await other.raw('PUT', `/api/v1/incidents/${id}/postmortem`, { body: 'Stale', base_revision: 0, state: 'published' }), 409, 'conflict');
    expect((await comms.call('GET', `/api/v1/incidents/${id}/postmortem`)).state).toBe('draft');
  });

  it('moves the owner and due date without touching the document', async () => {
    const { deps, comms, id } = await setup();
    await resolve(deps, id);
    await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { body: 'Our document', base_revision: 0 }, 200);
    const member = await signIn(deps, 'comms');
    const moved = await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { owner_user_id: member.userId, due_at: iso(NOON + 5 * DAY) }, 200);
    expect(moved).toMatchObject({ body: 'Our document', owner_user_id: member.userId, owner_name: 'Test comms', due_at: iso(NOON + 5 * DAY), revision: 2 });
    const named = await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { owner_user_id: null, owner_name: 'Carol (contractor)' }, 200);
    expect(named).toMatchObject({ owner_user_id: null, owner_name: 'Carol (contractor)', body: 'Our document' });
  });

  it('goes through the review states and publishes the customer text only once resolved', async () => {
    const { deps, comms, id } = await setup();
    // Started by hand before resolution: no due date until the incident resolves.
    await comms.call('POST', `/api/v1/incidents/${id}/postmortem`);
    expectError(await comms.raw('PUT', `/api/v1/incidents/${id}/postmortem`, { state: 'in_review' }), 400, 'invalid_input'); // never saved
    await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { body: 'Doc', base_revision: 0 }, 200);
    const early = expectError(await comms.raw('PUT', `/api/v1/incidents/${id}/postmortem`, { public_body: 'Sorry.' }), 400, 'invalid_input');
    expect(early.message).toMatch(/Resolve the incident/);
    await resolve(deps, id);
    expect((await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { state: 'in_review' }, 200)).state).toBe('in_review');
    const published = await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { state: 'published', public_body: 'What happened, for customers.' }, 200);
    // Resolving gave it the due date its severity requires; published, it is done.
    expect(published).toMatchObject({ state: 'published', published_at: iso(NOON + HOUR), urgency: 'done', public_body: 'What happened, for customers.' });
    expect(published.due_at).not.toBeNull();
    const v2 = JSON.parse((await apiCall(deps, 'GET', '/api/v2/incidents.json', null)).text);
    expect(v2.incidents[0]).toMatchObject({ id, postmortem_body: 'What happened, for customers.', postmortem_published_at: iso(NOON + HOUR) });
    const off = await comms.call('PUT', `/api/v1/incidents/${id}/postmortem`, { public_body: null }, 200);
    expect(off).toMatchObject({ public_body: null, public_published_at: null, state: 'published' });
  });

  it('emails the customer text to the incident’s subscribers once with email_subscribers, and says when (emailed_at)', async () => {
    const { deps, comms, id } = await setup();
    await addSubscribers(deps, ['a@example.com', 'b@example.com']);
    await resolve(deps, id);
    await outboxRows(deps); // the update emails
    const path = `/api/v1/incidents/${id}/postmortem`;
    const plain = await comms.call('PUT', path, { public_body: 'What happened.' }, 200);
    expect(plain.emailed_at).toBeNull();
    const emailed = await comms.call('PUT', path, { public_body: 'What happened, for customers.', email_subscribers: true }, 200);
    expect(emailed).toMatchObject({ public_body: 'What happened, for customers.', emailed_at: iso(NOON + HOUR) });
    deps.clock.advance(MINUTE);
    const again = await comms.call('PUT', path, { public_body: 'Edited.', email_subscribers: true }, 200);
    expect(again).toMatchObject({ public_body: 'Edited.', emailed_at: iso(NOON + HOUR) });
    const postmortemEmails = (await outboxRows(deps)).filter((r) => r.kind === 'postmortem');
    expect(postmortemEmails).toHaveLength(2);
    // Without the text, or for an incident whose updates are not emailed: refused.
    expect(expectError(await comms.raw('PUT', path, { email_subscribers: true }), 400, 'invalid_input').fields).toHaveProperty('email_subscribers');
    const quiet = await makeIncident(deps, { title: 'Quiet', severity: 1, notify: false });
    await resolve(deps, quiet);
    const refused = expectError(await comms.raw('PUT', `/api/v1/incidents/${quiet}/postmortem`, { public_body: 'Sorry.', email_subscribers: true }), 400, 'invalid_input');
    expect(refused.message).toMatch(/not emailed to subscribers/);
    expect((await comms.call('GET', `/api/v1/incidents/${quiet}/postmortem`)).public_body).toBeNull();
  });

  it('validates the body per field in the API spelling', async () => {
    const { deps, comms, id } = await setup();
    await resolve(deps, id);
    const path = `/api/v1/incidents/${id}/postmortem`;
    expect(expectError(await comms.raw('PUT', path, { body: 'x' }), 400, 'invalid_input').fields).toEqual({ base_revision: ['is required with body'] });
    expect(expectError(await comms.raw('PUT', path, {}), 400, 'invalid_input').fields).toHaveProperty('_');
    expect(expectError(await comms.raw('PUT', path, { revision: 1 }), 400, 'invalid_input').fields!.revision).toEqual(['is not a field of this request']);
    expect(expectError(await comms.raw('PUT', path, { state: 'done' }), 400, 'invalid_input').fields).toHaveProperty('state');
    expect(expectError(await comms.raw('PUT', path, { due_at: 'tomorrow' }), 400, 'invalid_input').fields).toHaveProperty('due_at');
    expect(expectError(await comms.raw('PUT', path, { owner_user_id: 'nosuchuser1' }), 400, 'invalid_input').fields).toEqual({
      owner_user_id: ['is not a team member'],
    });
    expectError(await comms.raw('PUT', `/api/v1/incidents/nosuchincident/postmortem`, { state: 'draft' }), 404, 'not_found');
    expectError(await comms.raw('GET', `/api/v1/incidents/NOT-AN-ID/postmortem`), 404, 'not_found');
  });
});

describe('the timeline', () => {
  it('refuses an empty or future note and out-of-order key times; an unknown key time is 404', async () => {
    const { deps, comms, id } = await setup();
    const path = `/api/v1/incidents/${id}/timeline`;
    expect(expectError(await comms.raw('POST', path, { text: '  ' }), 400, 'invalid_input').fields).toHaveProperty('text');
    expect(expectError(await comms.raw('POST', path, { text: 'x', at: iso(NOON + HOUR) }), 400, 'invalid_input').fields).toEqual({ at: ['is in the future'] });
    const earlier = await comms.call('POST', path, { text: 'First error in the logs', at: iso(NOON - 20 * MINUTE) });
    expect(earlier.at).toBe(iso(NOON - 20 * MINUTE));
    await resolve(deps, id);
    const order = expectError(await comms.raw('PUT', `/api/v1/incidents/${id}/key-times/resolved`, { at: iso(NOON - HOUR), reason: 'typo' }), 400, 'invalid_input');
    expect(order.fields).toEqual({ at: ['is out of order with the other key times'] });
    expect(expectError(await comms.raw('PUT', `/api/v1/incidents/${id}/key-times/mitigated`, { at: iso(NOON) }), 400, 'invalid_input').fields).toEqual({ reason: ['is required'] });
    expectError(await comms.raw('PUT', `/api/v1/incidents/${id}/key-times/fixed`, { at: null, reason: 'x' }), 404, 'not_found');

    const set = await comms.call('PUT', `/api/v1/incidents/${id}/key-times/mitigated`, { at: iso(NOON + 30 * MINUTE), reason: 'Traffic drained at 12:30' }, 200);
    expect(set.mitigated).toEqual({ at: iso(NOON + 30 * MINUTE), corrected: true });
    const back = await comms.call('PUT', `/api/v1/incidents/${id}/key-times/mitigated`, { at: null, reason: 'Back to the data' }, 200);
    expect(back.mitigated.corrected).toBe(false);
    const timeline = await comms.call('GET', path);
    expect(timeline.items.filter((i: { type: string }) => i.type === 'marker').map((i: { detail: string }) => i.detail)).toEqual([
      'Traffic drained at 12:30',
      'Back to the data',
    ]);
  });

  it('answers the Markdown export as text/markdown with the escaped table', async () => {
    const { comms, id } = await setup();
    await comms.call('POST', `/api/v1/incidents/${id}/timeline`, { text: 'A | pipe and <b>tag</b>' });
    const res = await comms.raw('GET', `/api/v1/incidents/${id}/timeline.md`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const lines = res.text.trim().split('\n');
    expect(lines[0]).toBe('| Time (UTC) | Event | Who |');
    expect(lines.at(-1)).toContain('A \\| pipe');
  });
});

describe('action items', () => {
  it('filters by owner, status and overdue, and validates in the API spelling', async () => {
    const { deps, comms, id } = await setup();
    const member = await signIn(deps, 'comms');
    const other = await makeIncident(deps, { title: 'Search slow', severity: 3 });
    const late = await comms.call('POST', `/api/v1/incidents/${id}/action-items`, { title: 'Late', priority: 'P0', due_at: iso(NOON + HOUR), owner_user_id: member.userId });
    const later = await comms.call('POST', `/api/v1/incidents/${other}/action-items`, { title: 'Later', due_at: iso(NOON + 10 * DAY), owner_name: 'Dan' });
    const noDue = await comms.call('POST', `/api/v1/incidents/${id}/action-items`, { title: 'Whenever', url: 'https://tracker.example/T-1' });
    expect(late).toMatchObject({ owner_user_id: member.userId, owner_name: 'Test comms', priority: 'P0' });
    deps.clock.advance(2 * HOUR);

    const ids = async (query: string) => (await comms.call('GET', `/api/v1/action-items${query}`)).data.map((i: { id: string }) => i.id);
    expect(await ids('')).toEqual([late.id, later.id, noDue.id]);
    expect(await ids('?overdue=true')).toEqual([late.id]);
    expect(await ids('?overdue=false')).toEqual([late.id, later.id, noDue.id]);
    expect(await ids(`?owner=${member.userId}`)).toEqual([late.id]);
    expect(await ids(`?incident_id=${other}`)).toEqual([later.id]);
    expect((await comms.call('GET', '/api/v1/action-items?overdue=true')).data[0].overdue).toBe(true);

    expect(await ids('?status=done')).toEqual([]);
    await comms.call('PATCH', `/api/v1/action-items/${later.id}`, { status: 'done' }, 200);
    expect(await ids('?status=done')).toEqual([later.id]);

    expect(expectError(await comms.raw('GET', '/api/v1/action-items?overdue=yes'), 400, 'invalid_input').fields).toHaveProperty('overdue');
    expect(expectError(await comms.raw('GET', '/api/v1/action-items?status=closed'), 400, 'invalid_input').fields).toHaveProperty('status');
    expect(expectError(await comms.raw('PATCH', `/api/v1/action-items/${late.id}`, { status: 'wont_do' }), 400, 'invalid_input').fields).toEqual({
      reason: ["is required for won't do"],
    });
    const wont = await comms.call('PATCH', `/api/v1/action-items/${late.id}`, { status: 'wont_do', reason: 'Superseded by the new queue' }, 200);
    expect(wont).toMatchObject({ status: 'wont_do', reason: 'Superseded by the new queue', overdue: false });
    expect(expectError(await comms.raw('POST', `/api/v1/incidents/${id}/action-items`, { title: 'x', url: 'javascript:alert(1)' }), 400, 'invalid_input').fields).toHaveProperty('url');
    expect(expectError(await comms.raw('POST', `/api/v1/incidents/${id}/action-items`, { title: 'x', owner_user_id: 'nosuchuser1' }), 400, 'invalid_input').fields).toEqual({
      owner_user_id: ['is not a team member'],
    });
    expect(expectError(await comms.raw('POST', `/api/v1/incidents/${id}/action-items`, { title: 'x', priority: 'P3' }), 400, 'invalid_input').fields).toHaveProperty('priority');
    expectError(await comms.raw('PATCH', '/api/v1/action-items/nosuchitem1', { status: 'done' }), 404, 'not_found');
    await comms.call('DELETE', `/api/v1/action-items/${noDue.id}`, undefined, 204);
    expectError(await comms.raw('DELETE', `/api/v1/action-items/${noDue.id}`), 404, 'not_found');
  });
});

describe('the OpenAPI document', () => {
  it('documents the Markdown export as text/markdown and the models of the rest', async () => {
    const { deps } = await setup();
    const doc = JSON.parse((await apiCall(deps, 'GET', '/api/v1/openapi.json', null)).text);
    expect(Object.keys(doc.paths['/incidents/{id}/timeline.md'].get.responses['200'].content)).toEqual(['text/markdown']);
    expect(doc.paths['/incidents/{id}/postmortem'].put.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Postmortem' });
    const put = doc.paths['/incidents/{id}/postmortem'].put.requestBody.content['application/json'].schema;
    expect((put.properties ?? doc.components.schemas[put.$ref?.split('/').pop()]?.properties).email_subscribers).toMatchObject({ type: 'boolean' });
    expect(doc.components.schemas.Postmortem.required).toEqual(expect.arrayContaining(['due_at', 'state', 'action_items', 'public_body', 'revision', 'emailed_at']));
  });
});

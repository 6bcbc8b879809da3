import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { memberActor } from '../support/actors.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { get, textOf } from '../support/http.js';
import { addSubscribers, outboxRows } from '../mail/support.js';

/*
 * The postmortem page in the admin, through the real app: starting one,
 * the editor (a stale save keeps both texts), owner and due date, review
 * states, the customer-facing text, and the incident's action items.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

interface Fixture {
  deps: TestDeps;
  lead: TestSession;
  id: string;
}

async function setup(options: { resolve?: boolean; severity?: 1 | 4; notify?: boolean } = {}): Promise<Fixture> {
  const deps = await createTestDeps({ now: NOON });
  const payments = await makeComponent(deps, { name: 'Payments' });
  const id = await makeIncident(deps, {
    title: 'Payments failing',
    severity: options.severity ?? 1,
    components: [{ componentId: payments, status: 'major_outage' }],
    roles: { incident_commander: { name: 'Ada Lovelace' } },
    ...(options.notify !== undefined ? { notify: options.notify } : {}),
  });
  const lead = await signIn(deps, 'comms', 'lead@example.com');
  if (options.resolve !== false) {
    deps.clock.advance(HOUR);
    await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Payments work again.' }, memberActor('comms'));
  }
  return { deps, lead, id };
}

const page = (deps: TestDeps, id: string, session: TestSession) => adminGet(deps, `/admin/incidents/${id}/postmortem`, session);
const hidden = (html: string, name: string): string => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;

describe('the postmortem page', () => {
  it('opens the SEV-1 postmortem created on resolution: due in 48 h, owned by the IC, the template filled with the timeline', async () => {
    const { deps, lead, id } = await setup();
    const res = await page(deps, id, lead);
    expect(res.status).toBe(200);
    const text = textOf(res.text);
    expect(text).toContain('Draft');
    expect(text).toContain('25 Nov 2026, 13:00 UTC');
    expect(text).toContain('due in 2 days');
    expect(text).toContain('Ada Lovelace');
    expect(res.text).toContain('# Postmortem: Payments failing');
    expect(res.text).toContain('| Time (UTC) | Event | Who |');
    expect(res.text).toContain('**Duration:** 1 h (detected to resolved)');
    expect(hidden(res.text, 'base_revision')).toBe('0');
    expect(hidden(res.text, 'due_was')).toBe('2026-11-25T13:00');
  });

  it('offers to start one when there is none, and starts it', async () => {
    const { deps, lead, id } = await setup({ severity: 4 });
    const before = await page(deps, id, lead);
    expect(textOf(before.text)).toContain('This incident has no postmortem');
    const res = await adminPost(deps, `/admin/incidents/${id}/postmortem/start`, lead, {});
    expect(res.status).toBe(303);
    expect(await deps.repos.postmortems.find(id)).toMatchObject({ state: 'draft', dueAt: null, ownerName: 'Ada Lovelace' });
    expect(textOf((await adminGet(deps, res.headers.get('location')!, lead)).text)).toContain('Postmortem started');
  });

  it('lets a viewer read but not edit, and 404s for maintenance or an unknown incident', async () => {
    const { deps, id } = await setup();
    const viewer = await signIn(deps, 'viewer');
    const res = await page(deps, id, viewer);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('name="base_revision"');
    expect((await adminPost(deps, `/admin/incidents/${id}/postmortem`, viewer, { body: 'x', base_revision: '0', owner: 'keep' })).status).toBe(403);
    expect((await adminGet(deps, '/admin/incidents/nosuchincident1/postmortem', viewer)).status).toBe(404);
    expect((await createApp(deps).request(`/admin/incidents/${id}/postmortem`)).status).toBe(303);
  });
});

describe('saving the document', () => {
  it('saves the text, the owner and a moved due date, in the page zone', async () => {
    const { deps, lead, id } = await setup();
    const owner = await signIn(deps, 'comms', 'grace@example.com');
    const res = await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, {
      // As browsers send a textarea: CRLF line breaks, stored as LF.
      body: '# What happened\r\n\r\nA bad deploy.',
      base_revision: '0',
      owner: owner.userId,
      due: '2026-11-26T09:00',
      due_was: '2026-11-25T13:00',
    });
    expect(res.status).toBe(303);
    expect(await deps.repos.postmortems.find(id)).toMatchObject({
      body: '# What happened\n\nA bad deploy.',
      revision: 1,
      ownerUserId: owner.userId,
      ownerName: 'Test comms',
      dueAt: Date.UTC(2026, 10, 26, 9, 0),
    });
  });

  it('leaves the due date (and its reminders) alone when it was not moved', async () => {
    const { deps, lead, id } = await setup();
    await deps.db.atomic([deps.repos.postmortems.update(id, { remindedDueSoonAt: NOON, updatedAt: NOON })]);
    await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, { body: 'v1', base_revision: '0', owner: 'keep', due: '2026-11-25T13:00', due_was: '2026-11-25T13:00' });
    expect(await deps.repos.postmortems.find(id)).toMatchObject({ body: 'v1', ownerName: 'Ada Lovelace', dueAt: NOON + HOUR + 48 * HOUR, remindedDueSoonAt: NOON });
  });

  it('on a stale save keeps the typed text in the editor and shows the saved one, and the next save wins', async () => {
    const { deps, lead, id } = await setup();
    const other = await signIn(deps, 'comms', 'other@example.com');
    await adminPost(deps, `/admin/incidents/${id}/postmortem`, other, { body: 'Their <version>', base_revision: '0', owner: 'keep' });
    const res = await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, { body: 'My long <analysis>', base_revision: '0', owner: 'keep' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('My long &lt;analysis&gt;</textarea>');
    expect(res.text).toContain('Their &lt;version&gt;</textarea>');
    expect(textOf(res.text)).toContain('Your text is still in the editor');
    expect(hidden(res.text, 'base_revision')).toBe('1');
    expect((await deps.repos.postmortems.find(id))!.body).toBe('Their <version>');
    const again = await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, { body: 'Merged', base_revision: '1', owner: 'keep' });
    expect(again.status).toBe(303);
    expect(await deps.repos.postmortems.find(id)).toMatchObject({ body: 'Merged', revision: 2 });
  });

  it('refuses a malformed due date or revision with the typed text kept, never a 500', async () => {
    const { deps, lead, id } = await setup();
    const bad = await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, { body: 'Keep me', base_revision: '0', owner: 'keep', due: 'soon', due_was: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Keep me</textarea>');
    const revision = await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, { body: 'Keep me', base_revision: 'x', owner: 'keep' });
    expect(revision.status).toBe(400);
    const owner = await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, { body: 'Keep me', base_revision: '0', owner: 'nosuchuser123' });
    expect(owner.status).toBe(400);
    expect((await deps.repos.postmortems.find(id))!.revision).toBe(0);
  });
});

describe('review states and the status page', () => {
  it('moves Draft → In review → Published, and refuses an unsaved document', async () => {
    const { deps, lead, id } = await setup();
    const early = await adminPost(deps, `/admin/incidents/${id}/postmortem/state`, lead, { state: 'in_review' });
    expect(early.status).toBe(400);
    expect(textOf(early.text)).toContain('Save the postmortem document');
    await adminPost(deps, `/admin/incidents/${id}/postmortem`, lead, { body: 'Done.', base_revision: '0', owner: 'keep' });
    expect((await adminPost(deps, `/admin/incidents/${id}/postmortem/state`, lead, { state: 'in_review' })).status).toBe(303);
    expect((await deps.repos.postmortems.find(id))!.state).toBe('in_review');
    await adminPost(deps, `/admin/incidents/${id}/postmortem/state`, lead, { state: 'published' });
    expect((await deps.repos.postmortems.find(id))!).toMatchObject({ state: 'published', publishedAt: NOON + HOUR });
    const text = textOf((await page(deps, id, lead)).text);
    expect(text).toContain('Published (internal)');
    expect(text).toContain('completed');
    expect((await adminPost(deps, `/admin/incidents/${id}/postmortem/state`, lead, { state: 'bogus' })).status).toBe(400);
  });

  it('publishes the customer-facing text on the status page and takes it off', async () => {
    const { deps, lead, id } = await setup();
    const empty = await adminPost(deps, `/admin/incidents/${id}/postmortem/public`, lead, { action: 'publish', public_body: '  ' });
    expect(empty.status).toBe(400);
    expect(textOf(empty.text)).toContain('write the text customers will read');
    const res = await adminPost(deps, `/admin/incidents/${id}/postmortem/public`, lead, { action: 'publish', public_body: 'A database failover took longer than planned.' });
    expect(res.status).toBe(303);
    expect(await deps.repos.postmortems.find(id)).toMatchObject({ publicBody: 'A database failover took longer than planned.', publicPublishedAt: NOON + HOUR });
    const admin = await page(deps, id, lead);
    expect(admin.text).toContain('Update on the status page');
    expect(admin.text).toContain('Take off the status page');
    await adminPost(deps, `/admin/incidents/${id}/postmortem/public`, lead, { action: 'take-off', public_body: 'ignored' });
    expect(await deps.repos.postmortems.find(id)).toMatchObject({ publicBody: null, publicPublishedAt: null });
  });

  it('offers to email the customer text to the incident’s subscribers once, and says when it was', async () => {
    const { deps, lead, id } = await setup();
    await addSubscribers(deps, ['a@example.com']);
    const before = await page(deps, id, lead);
    expect(before.text).toContain('name="email_subscribers"');
    expect(textOf(before.text)).toContain('Also email it to the incident’s subscribers');
    const res = await adminPost(deps, `/admin/incidents/${id}/postmortem/public`, lead, { action: 'publish', public_body: 'What happened.', email_subscribers: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('done=public-emailed');
    expect(await deps.repos.postmortems.find(id)).toMatchObject({ publicBody: 'What happened.', emailedAt: NOON + HOUR });
    expect((await outboxRows(deps)).filter((r) => r.kind === 'postmortem')).toHaveLength(1);
    // Emailed: the choice is gone, the page says when; saving again emails nobody.
    const after = await page(deps, id, lead);
    expect(after.text).not.toContain('name="email_subscribers"');
    expect(textOf(after.text)).toContain('Emailed to the incident’s subscribers');
    await adminPost(deps, `/admin/incidents/${id}/postmortem/public`, lead, { action: 'publish', public_body: 'What happened, edited.', email_subscribers: '1' });
    expect((await outboxRows(deps)).filter((r) => r.kind === 'postmortem')).toHaveLength(1);
  });

  it('leaves the email choice out, saying why, when the incident’s updates were not emailed', async () => {
    const { deps, lead, id } = await setup({ notify: false });
    const res = await page(deps, id, lead);
    expect(res.text).not.toContain('name="email_subscribers"');
    expect(textOf(res.text)).toContain('this incident’s updates were not sent to subscribers');
  });

  it('refuses to publish for customers before the incident is resolved', async () => {
    const { deps, lead, id } = await setup({ resolve: false });
    await adminPost(deps, `/admin/incidents/${id}/postmortem/start`, lead, {});
    const res = await adminPost(deps, `/admin/incidents/${id}/postmortem/public`, lead, { action: 'publish', public_body: 'Too early' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Too early</textarea>');
    expect(textOf((await get(deps, `/incidents/${id}`)).text)).not.toContain('Too early');
  });
});

describe('action items', () => {
  it('adds one with owner, priority, due date and ticket link, and lists it', async () => {
    const { deps, lead, id } = await setup();
    const res = await adminPost(deps, `/admin/incidents/${id}/action-items`, lead, {
      title: 'Alert on failover <duration>',
      owner: '',
      owner_name: 'Bob (DB team)',
      priority: 'P0',
      due: '2026-12-01T17:00',
      url: 'https://tracker.example/DB-42',
    });
    expect(res.status).toBe(303);
    const [item] = await deps.repos.postmortems.actionItemsOf(id);
    expect(item).toMatchObject({ title: 'Alert on failover <duration>', ownerName: 'Bob (DB team)', ownerUserId: null, priority: 'P0', dueAt: Date.UTC(2026, 11, 1, 17), url: 'https://tracker.example/DB-42', status: 'open' });
    const html = (await page(deps, id, lead)).text;
    expect(html).toContain('Alert on failover &lt;duration&gt;');
    expect(html).toContain('href="https://tracker.example/DB-42"');
  });

  it('refuses a bad link or an empty title with the fields kept', async () => {
    const { deps, lead, id } = await setup();
    const res = await adminPost(deps, `/admin/incidents/${id}/action-items`, lead, { title: 'Fix it', owner: '', owner_name: '', priority: 'P1', due: '', url: 'javascript:alert(1)' });
    expect(res.status).toBe(400);
    expect(textOf(res.text)).toContain('Ticket link');
    expect(res.text).toContain('value="Fix it"');
    expect((await adminPost(deps, `/admin/incidents/${id}/action-items`, lead, { title: '', priority: 'P9' })).status).toBe(400);
    expect(await deps.repos.postmortems.actionItemsOf(id)).toEqual([]);
  });

  it("marks one done, won't do only with a reason, and deletes it", async () => {
    const { deps, lead, id } = await setup();
    await adminPost(deps, `/admin/incidents/${id}/action-items`, lead, { title: 'Add a runbook', priority: 'P2' });
    const [item] = await deps.repos.postmortems.actionItemsOf(id);
    const fields = { title: 'Add a runbook', owner: '', owner_name: '', priority: 'P2', due: '', url: '' };
    const noReason = await adminPost(deps, `/admin/incidents/${id}/action-items/${item!.id}`, lead, { ...fields, status: 'wont_do', reason: '' });
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.text)).toContain('Say why it won&#39;t be done');
    expect(noReason.text).toMatch(/<details open><summary>Edit/);
    await adminPost(deps, `/admin/incidents/${id}/action-items/${item!.id}`, lead, { ...fields, status: 'wont_do', reason: 'Service retired' });
    expect(await deps.repos.postmortems.findActionItem(item!.id)).toMatchObject({ status: 'wont_do', reason: 'Service retired' });
    expect(textOf((await page(deps, id, lead)).text)).toContain('Won’t do: Service retired');
    await adminPost(deps, `/admin/incidents/${id}/action-items/${item!.id}`, lead, { ...fields, status: 'done', reason: '' });
    expect(await deps.repos.postmortems.findActionItem(item!.id)).toMatchObject({ status: 'done', reason: null, doneAt: NOON + HOUR });
    const other = await makeIncident(deps, { title: 'Other' });
    expect((await adminPost(deps, `/admin/incidents/${other}/action-items/${item!.id}/delete`, lead, {})).status).toBe(404);
    expect((await adminPost(deps, `/admin/incidents/${id}/action-items/${item!.id}/delete`, lead, {})).status).toBe(303);
    expect(await deps.repos.postmortems.actionItemsOf(id)).toEqual([]);
  });
});

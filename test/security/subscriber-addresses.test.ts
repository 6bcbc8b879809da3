/**
 * Subscriber addresses are personal data: only the roles that may read the
 * subscriber list (comms and up) see them, wherever they appear.
 */
import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/constants.js';
import { addSubscribers, outboxRows } from '../mail/support.js';
import { adminGet, apiCall, apiToken, signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident } from '../support/factories.js';

const ADDRESS = 'private-person@example.com';

/** An incident whose only email failed for good. */
async function failedDelivery(): Promise<{ deps: TestDeps; incident: string }> {
  const deps = await createTestDeps();
  await addSubscribers(deps, [ADDRESS]);
  const incident = await makeIncident(deps, { notify: true });
  const [row] = await outboxRows(deps);
  await deps.db.atomic(deps.repos.outbox.recordBatch([{ id: row!.id, error: '550 mailbox unavailable' }], deps.clock.now()));
  return { deps, incident };
}

describe('failed deliveries and subscriber addresses', () => {
  it.each<[Role, boolean]>([
    ['viewer', false],
    ['comms', true],
    ['admin', true],
    ['owner', true],
  ])('through the API, a %s token sees the address: %s', async (role, shown) => {
    const { deps, incident } = await failedDelivery();
    const res = await apiCall(deps, 'GET', `/api/v1/incidents/${incident}/deliveries`, await apiToken(deps, role));
    expect(res.status).toBe(200);
    const [failure] = JSON.parse(res.text).latest_failures;
    expect(failure.reason).toBe('550 mailbox unavailable');
    expect(failure.email).toBe(shown ? ADDRESS : null);
    expect(res.text.includes(ADDRESS)).toBe(shown);
  });

  it.each<[Role, boolean]>([
    ['viewer', false],
    ['comms', true],
  ])("on the admin's delivery page, a %s sees the address: %s", async (role, shown) => {
    const { deps, incident } = await failedDelivery();
    const page = await adminGet(deps, `/admin/incidents/${incident}/deliveries`, await signIn(deps, role));
    expect(page.status).toBe(200);
    expect(page.text).toContain('550 mailbox unavailable');
    expect(page.text.includes(ADDRESS)).toBe(shown);
  });
});

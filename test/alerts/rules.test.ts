import { beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/lib/errors.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { createRule, deleteRule, findRule, listRules, updateRule } from '../../src/services/alerts/rules.js';
import { snapshotDatabase } from '../security/support.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';
import { incoming, MONITORING } from './intake-support.js';

/*
 * Alert rules (services/alerts/rules.ts): an ordered list, first match wins,
 * kept numbered 1..n whatever is inserted, moved or deleted; managed by
 * admins, read by the whole team.
 */

describe('alert rules', () => {
  let deps: TestDeps;
  let payments: string;
  beforeEach(async () => {
    deps = await createTestDeps();
    payments = await makeComponent(deps, { name: 'Payments' });
  });

  const create = (name: string, extra: Record<string, unknown> = {}) => createRule(deps, FIXTURE_ACTOR, { name, matchers: { service: name.toLowerCase() }, ...extra });
  const order = async () => (await listRules(deps, FIXTURE_ACTOR)).map((r) => [r.position, r.name]);

  it('creates a rule with its defaults, last in the order, audited', async () => {
    const rule = await create('Payments', { componentIds: [payments, payments], severity: 1 });
    expect(rule).toMatchObject({
      name: 'Payments',
      source: null,
      matchers: { service: 'payments' },
      componentIds: [payments],
      severity: 1,
      autoComponentStatus: null,
      enabled: true,
      position: 1,
    });
    await create('Search');
    expect(await order()).toEqual([
      [1, 'Payments'],
      [2, 'Search'],
    ]);
    const [entry] = await deps.repos.audit.list({ limit: 5 });
    expect(entry).toMatchObject({ action: 'alert_rule.create', targetType: 'alert_rule', actor: FIXTURE_ACTOR.label });
  });

  it('inserts at a position and renumbers the others 1..n', async () => {
    await create('A');
    await create('B');
    await create('C');
    await create('First', { position: 1 });
    await create('Third', { position: 3 });
    await create('Beyond', { position: 99 });
    expect(await order()).toEqual([
      [1, 'First'],
      [2, 'A'],
      [3, 'Third'],
      [4, 'B'],
      [5, 'C'],
      [6, 'Beyond'],
    ]);
  });

  it('moves a rule, keeps its place when the position is not sent, and renumbers after a delete', async () => {
    const a = await create('A');
    const b = await create('B');
    const c = await create('C');
    await updateRule(deps, FIXTURE_ACTOR, c.id, { position: 1 });
    expect(await order()).toEqual([
      [1, 'C'],
      [2, 'A'],
      [3, 'B'],
    ]);
    await updateRule(deps, FIXTURE_ACTOR, a.id, { name: 'A renamed', severity: 2 });
    expect(await order()).toEqual([
      [1, 'C'],
      [2, 'A renamed'],
      [3, 'B'],
    ]);
    await updateRule(deps, FIXTURE_ACTOR, c.id, { position: 50 });
    expect(await order()).toEqual([
      [1, 'A renamed'],
      [2, 'B'],
      [3, 'C'],
    ]);
    await deleteRule(deps, FIXTURE_ACTOR, a.id);
    expect(await order()).toEqual([
      [1, 'B'],
      [2, 'C'],
    ]);
    await expect(findRule(deps, FIXTURE_ACTOR, a.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await deps.repos.audit.list({ limit: 10 })).map((e) => e.action).slice(0, 4)).toEqual([
      'alert_rule.delete',
      'alert_rule.update',
      'alert_rule.update',
      'alert_rule.update',
    ]);
    expect(b.position).toBe(2);
  });

  it('decides which alert maps where: the first matching enabled rule in the order', async () => {
    const search = await makeComponent(deps, { name: 'Search' });
    const broad = await create('Anything payments', { matchers: { service: 'payments' }, componentIds: [search], severity: 3 });
    const narrow = await create('Payments critical', { matchers: { service: 'payments', severity: 'critical' }, componentIds: [payments], severity: 1, position: 1 });
    const alert = () => incoming({ labels: { service: 'payments', severity: 'critical' } });
    const first = await ingestAlerts(deps, MONITORING, [alert()]);
    expect(await deps.repos.alerts.findDraft(first.opened[0]!)).toMatchObject({ ruleId: narrow.id, componentIds: [payments], severity: 1 });

    await updateRule(deps, FIXTURE_ACTOR, narrow.id, { enabled: false });
    const second = await ingestAlerts(deps, MONITORING, [alert()]);
    expect(await deps.repos.alerts.findDraft(second.opened[0]!)).toMatchObject({ ruleId: broad.id, componentIds: [search], severity: 3 });
  });

  it('refuses unknown components, naming them, and writes nothing', async () => {
    const before = await snapshotDatabase(deps);
    const error = await createRule(deps, FIXTURE_ACTOR, { name: 'X', matchers: {}, componentIds: [payments, 'nosuchcomponent'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual({ componentIds: ['unknown id nosuchcomponent'] });
    expect(await snapshotDatabase(deps)).toEqual(before);

    const rule = await create('Y');
    await expect(updateRule(deps, FIXTURE_ACTOR, rule.id, { componentIds: ['nosuchcomponent'] })).rejects.toBeInstanceOf(ValidationError);
    expect((await findRule(deps, FIXTURE_ACTOR, rule.id)).componentIds).toEqual([]);
  });

  it('needs components for an automatic status, on create and on update', async () => {
    const error = await createRule(deps, FIXTURE_ACTOR, { name: 'X', matchers: {}, autoComponentStatus: 'major_outage' }).catch((e: unknown) => e);
    expect((error as ValidationError).fields).toEqual({ autoComponentStatus: ['choose the components whose status follows the alert'] });

    const rule = await create('Y', { componentIds: [payments], autoComponentStatus: 'partial_outage' });
    const removing = await updateRule(deps, FIXTURE_ACTOR, rule.id, { componentIds: [] }).catch((e: unknown) => e);
    expect((removing as ValidationError).fields).toEqual({ autoComponentStatus: ['choose the components first'] });
    const plain = await create('Z');
    await expect(updateRule(deps, FIXTURE_ACTOR, plain.id, { autoComponentStatus: 'degraded_performance' })).rejects.toBeInstanceOf(ValidationError);
    // Turning it off and removing the components together is fine.
    expect(await updateRule(deps, FIXTURE_ACTOR, rule.id, { componentIds: [], autoComponentStatus: null })).toMatchObject({ componentIds: [], autoComponentStatus: null });
  });

  it('refuses statuses an alert may not set, bad matchers and bad names', async () => {
    const fieldsOf = async (input: Record<string, unknown>) =>
      ((await createRule(deps, FIXTURE_ACTOR, { name: 'X', matchers: {}, ...input } as never).catch((e: unknown) => e)) as ValidationError).fields;
    expect(await fieldsOf({ componentIds: [payments], autoComponentStatus: 'under_maintenance' })).toEqual({
      autoComponentStatus: ['must be degraded_performance, partial_outage or major_outage'],
    });
    expect(await fieldsOf({ componentIds: [payments], autoComponentStatus: 'operational' })).toHaveProperty('autoComponentStatus');
    expect(await fieldsOf({ matchers: { 'has space': 'x' } })).toHaveProperty(['matchers.has space']);
    expect(await fieldsOf({ name: '  ' })).toEqual({ name: ['is required'] });
    expect(await fieldsOf({ severity: 5 })).toEqual({ severity: ['must be 1, 2, 3 or 4'] });
    expect(await fieldsOf({ source: 'nagios' })).toEqual({ source: ['must be one of alertmanager, grafana, uptime_kuma, generic'] });
    expect(await fieldsOf({ position: 0 })).toHaveProperty('position');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    await expect(findRule(deps, FIXTURE_ACTOR, 'nosuchrule1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(updateRule(deps, FIXTURE_ACTOR, '../etc', { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteRule(deps, FIXTURE_ACTOR, 'nosuchrule1')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets the whole team read the rules and only admins change them', async () => {
    const rule = await create('Payments');
    for (const role of ['viewer', 'comms', 'admin', 'owner'] as const) {
      expect(await listRules(deps, memberActor(role))).toHaveLength(1);
      expect((await findRule(deps, memberActor(role), rule.id)).name).toBe('Payments');
    }
    const before = await snapshotDatabase(deps);
    for (const actor of [memberActor('viewer'), memberActor('comms'), MONITORING]) {
      await expect(createRule(deps, actor, { name: 'X', matchers: {} })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(updateRule(deps, actor, rule.id, { name: 'X' })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(deleteRule(deps, actor, rule.id)).rejects.toBeInstanceOf(ForbiddenError);
    }
    // A monitoring token posts alerts and nothing else: not even reading the rules.
    await expect(listRules(deps, MONITORING)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await snapshotDatabase(deps)).toEqual(before);
    await updateRule(deps, memberActor('admin'), rule.id, { name: 'Payments (admin)' });
    expect((await findRule(deps, FIXTURE_ACTOR, rule.id)).name).toBe('Payments (admin)');
  });
});

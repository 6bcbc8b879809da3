import { z } from 'zod';
import type { AlertRuleRow } from '../../db/schema.js';
import { ALERT_SOURCES, COMPONENT_STATUSES, SEVERITIES } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { ID_PATTERN, newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput, PublicId } from '../validation.js';

/*
 * Alert rules: which alerts map to which components and suggested severity,
 * tried in order (first match wins). Managing them is an admin's job
 * (components:write: they decide what the page's components mean); reading
 * them is anyone's on the team.
 */

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

const LabelName = z
  .string()
  .trim()
  .min(1, { error: 'a label name is required' })
  .max(200)
  .regex(/^[^\s=]+$/, { error: 'a label name has no spaces or "="' });

export const MatchersInput = z
  .record(LabelName, z.string().max(2000))
  .refine((m) => Object.keys(m).length <= 20, { error: 'at most 20 matchers' });

const RuleFields = {
  name: z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
  /** null: alerts from any source. */
  source: z.enum(ALERT_SOURCES, { error: `must be one of ${ALERT_SOURCES.join(', ')}` }).nullable(),
  matchers: MatchersInput,
  componentIds: z.array(PublicId).max(200).transform((ids) => [...new Set(ids)]),
  severity: z.union(SEVERITIES.map((s) => z.literal(s)), { error: 'must be 1, 2, 3 or 4' }).nullable(),
  autoComponentStatus: z
    .enum(COMPONENT_STATUSES.filter((s) => s !== 'operational' && s !== 'under_maintenance') as ['degraded_performance', 'partial_outage', 'major_outage'], {
      error: 'must be degraded_performance, partial_outage or major_outage',
    })
    .nullable(),
  enabled: z.boolean(),
  /** 1-based place in the order; absent: last. */
  position: z.number().int().min(1).max(10_000),
};

export const CreateRuleInput = z
  .object({
    ...RuleFields,
    source: RuleFields.source.default(null),
    severity: RuleFields.severity.default(null),
    componentIds: RuleFields.componentIds.default([]),
    autoComponentStatus: RuleFields.autoComponentStatus.default(null),
    enabled: RuleFields.enabled.default(true),
    position: RuleFields.position.optional(),
  })
  .refine((rule) => rule.autoComponentStatus === null || rule.componentIds.length > 0, {
    error: 'choose the components whose status follows the alert',
    path: ['autoComponentStatus'],
  });
export type CreateRuleInput = z.input<typeof CreateRuleInput>;

export const UpdateRuleInput = z.object(RuleFields).partial();
export type UpdateRuleInput = z.input<typeof UpdateRuleInput>;

export async function listRules(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<AlertRuleRow[]> {
  authorize(actor, 'admin:read');
  return deps.repos.alerts.listRules();
}

export async function findRule(deps: Pick<Deps, 'repos'>, actor: Actor, id: string): Promise<AlertRuleRow> {
  authorize(actor, 'admin:read');
  const rule = ID_PATTERN.test(id) ? await deps.repos.alerts.findRule(id) : undefined;
  if (!rule) throw new NotFoundError('There is no alert rule with this id.');
  return rule;
}

async function assertComponents(deps: Pick<Deps, 'repos'>, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const found = await deps.repos.components.findByIds(ids);
  const missing = ids.filter((id) => !found.some((c) => c.id === id));
  if (missing.length) throw new ValidationError(`Unknown component: ${missing.join(', ')}`, { componentIds: [`unknown id ${missing.join(', ')}`] });
}

/** The statements renumbering `ordered` 1..n where a position changed (the rule being written, `skipId`, is written whole). */
function renumber(deps: WriteDeps, ordered: readonly AlertRuleRow[], now: number, skipId?: string) {
  return ordered.flatMap((rule, i) =>
    rule.id === skipId || rule.position === i + 1 ? [] : [deps.repos.alerts.updateRule(rule.id, { position: i + 1, updatedAt: now })],
  );
}

/** `rule` placed at 1-based `position` (or last) among the others. */
function placed(others: readonly AlertRuleRow[], rule: AlertRuleRow, position: number | undefined): AlertRuleRow[] {
  const list = [...others];
  const index = position === undefined ? list.length : Math.min(Math.max(position - 1, 0), list.length);
  list.splice(index, 0, rule);
  return list;
}

export async function createRule(deps: WriteDeps, actor: Actor, raw: CreateRuleInput): Promise<AlertRuleRow> {
  authorize(actor, 'components:write');
  const input = parseInput(CreateRuleInput, raw);
  await assertComponents(deps, input.componentIds);
  const now = deps.clock.now();
  const existing = await deps.repos.alerts.listRules();
  const { position, ...fields } = input;
  const rule: AlertRuleRow = { id: newId(), ...fields, position: 0, createdAt: now, updatedAt: now };
  const ordered = placed(existing, rule, position);
  await deps.db.atomic([
    deps.repos.alerts.insertRule({ ...rule, position: ordered.indexOf(rule) + 1 }),
    ...renumber(deps, ordered, now, rule.id),
    auditEntry(deps, actor, { action: 'alert_rule.create', targetType: 'alert_rule', targetId: rule.id, details: { name: rule.name } }),
  ]);
  return findRule(deps, actor, rule.id);
}

export async function updateRule(deps: WriteDeps, actor: Actor, id: string, raw: UpdateRuleInput): Promise<AlertRuleRow> {
  authorize(actor, 'components:write');
  const current = await findRule(deps, actor, id);
  const input = parseInput(UpdateRuleInput, raw);
  if (input.componentIds) await assertComponents(deps, input.componentIds);
  const { position, ...fields } = input;
  const next = { ...current, ...fields };
  if (next.autoComponentStatus !== null && next.componentIds.length === 0) {
    throw new ValidationError('Choose the components whose status follows the alert.', { autoComponentStatus: ['choose the components first'] });
  }
  const now = deps.clock.now();
  const others = (await deps.repos.alerts.listRules()).filter((r) => r.id !== id);
  const ordered = placed(others, next, position ?? current.position);
  await deps.db.atomic([
    deps.repos.alerts.updateRule(id, { ...fields, position: ordered.indexOf(next) + 1, updatedAt: now }),
    ...renumber(deps, ordered, now, id),
    auditEntry(deps, actor, { action: 'alert_rule.update', targetType: 'alert_rule', targetId: id, details: { name: next.name, changed: Object.keys(input) } }),
  ]);
  return findRule(deps, actor, id);
}

export async function deleteRule(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'components:write');
  const rule = await findRule(deps, actor, id);
  const now = deps.clock.now();
  const others = (await deps.repos.alerts.listRules()).filter((r) => r.id !== id);
  await deps.db.atomic([
    deps.repos.alerts.deleteRule(id),
    ...renumber(deps, others, now),
    auditEntry(deps, actor, { action: 'alert_rule.delete', targetType: 'alert_rule', targetId: id, details: { name: rule.name } }),
  ]);
}

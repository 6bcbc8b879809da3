import type { ComponentStatus } from '../../domain/constants.js';
import type { Statement } from '../../db/database.js';
import type { ComponentChange } from '../../db/repos/incidents-repo.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';

export interface ComponentStatusInput {
  componentId: string;
  status: ComponentStatus;
}

/**
 * The statements that move components to new statuses at time `at`, and the
 * old/new pairs an update records. The old status is the one in force at
 * `at`; the current status only moves when `at` is the newest change (a
 * backfilled past change only adds history).
 */
export async function componentStatusStatements(
  deps: Pick<Deps, 'repos'>,
  inputs: readonly ComponentStatusInput[],
  at: number,
  incidentId: string,
): Promise<{ statements: Statement[]; changes: ComponentChange[] }> {
  const ids = [...new Set(inputs.map((input) => input.componentId))];
  if (ids.length !== inputs.length) throw new ValidationError('A component appears twice in the status changes.');
  const found = await deps.repos.components.findByIds(ids);
  const missing = ids.filter((id) => !found.some((component) => component.id === id));
  if (missing.length) {
    throw new ValidationError(`Unknown component: ${missing.join(', ')}`, { components: [`unknown id ${missing.join(', ')}`] });
  }
  const history = await deps.repos.components.historySince(ids, at);
  const statements: Statement[] = [];
  const changes: ComponentChange[] = [];
  for (const input of inputs) {
    const component = found.find((c) => c.id === input.componentId)!;
    const entries = history.get(input.componentId) ?? [];
    const opening = entries.find((entry) => entry.at < at);
    const oldStatus = opening?.status ?? component.status;
    const isNewest = entries.every((entry) => entry.at <= at);
    const change = { componentId: input.componentId, status: input.status, at, incidentId };
    if (isNewest) statements.push(...deps.repos.components.setStatus(change, at));
    else statements.push(deps.repos.components.recordChange(change));
    changes.push({ componentId: input.componentId, oldStatus, newStatus: input.status });
  }
  return { statements, changes };
}

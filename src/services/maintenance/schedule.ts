import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { assertNoPlaceholders, parseInput, PublicId, Timestamp } from '../validation.js';
import { notifyOfUpdate } from '../notifications/publish.js';

export const ScheduleMaintenanceInput = z
  .object({
    title: z.string().trim().min(1, { error: 'is required' }).max(200),
    body: z.string().trim().min(1, { error: 'is required' }).max(20_000),
    scheduledFor: Timestamp,
    scheduledUntil: Timestamp,
    componentIds: z.array(PublicId).max(200).default([]),
    notify: z.boolean().default(true),
    example: z.boolean().default(false),
  })
  .refine((m) => m.scheduledUntil > m.scheduledFor, {
    error: 'must be after the start of the window',
    path: ['scheduledUntil'],
  });
export type ScheduleMaintenanceInput = z.input<typeof ScheduleMaintenanceInput>;

/** Announces a maintenance window with its first ("Scheduled") update. Returns its id. */
export async function scheduleMaintenance(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  raw: ScheduleMaintenanceInput,
  actor: Actor,
): Promise<string> {
  authorize(actor, 'incidents:write');
  const input = parseInput(ScheduleMaintenanceInput, raw);
  assertNoPlaceholders({ title: input.title, body: input.body });
  const found = await deps.repos.components.findByIds(input.componentIds);
  if (found.length !== new Set(input.componentIds).size) {
    throw new ValidationError('Unknown component in the maintenance.', { componentIds: ['contains an unknown id'] });
  }
  const now = deps.clock.now();
  const id = newId();
  const updateId = newId();
  await deps.db.atomic([
    ...deps.repos.incidents.insert(
      {
        id,
        kind: 'maintenance',
        title: input.title,
        severity: null,
        impact: 'maintenance',
        status: 'scheduled',
        startedAt: input.scheduledFor,
        scheduledFor: input.scheduledFor,
        scheduledUntil: input.scheduledUntil,
        notify: input.notify,
        example: input.example,
        createdAt: now,
        updatedAt: now,
      },
      input.componentIds,
    ),
    ...deps.repos.incidents.insertUpdate({ id: updateId, incidentId: id, status: 'scheduled', body: input.body, at: now, createdAt: now, updatedAt: now }, []),
    ...notifyOfUpdate(deps, input, { id: updateId, at: now, createdAt: now }),
    auditEntry(deps, actor, {
      action: 'maintenance.schedule',
      targetType: 'incident',
      targetId: id,
      details: { title: input.title, scheduledFor: input.scheduledFor, scheduledUntil: input.scheduledUntil },
    }),
  ]);
  return id;
}

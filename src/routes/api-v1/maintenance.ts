import { z } from 'zod';
import { MAINTENANCE_STATUSES } from '../../domain/constants.js';
import { postMaintenanceUpdate } from '../../services/maintenance/post-update.js';
import { postUpdate } from '../../services/incidents/post-update.js';
import { scheduleMaintenance, ScheduleMaintenanceInput } from '../../services/maintenance/schedule.js';
import { PublicId } from '../../services/validation.js';
import { incidentResponse, lifecycleOperations } from './incidents.js';
import { operation, type Operation } from './registry.js';
import { ComponentChangeInput, IncidentModel, IsoTime } from './schemas.js';

const S = ScheduleMaintenanceInput.shape;

const ScheduleBody = z
  .strictObject({
    title: S.title.describe('Public title'),
    body: S.body.describe('The first ("Scheduled") update, Markdown; {{placeholders}} must be filled in'),
    scheduled_for: IsoTime.describe('Window start'),
    scheduled_until: IsoTime.describe('Window end, after the start'),
    component_ids: z.array(PublicId).max(200).optional().describe('Components under maintenance'),
    notify: z.boolean().optional().describe('Send updates to subscribers; defaults to on'),
  })
  .transform((b) => ({
    title: b.title,
    body: b.body,
    scheduledFor: b.scheduled_for,
    scheduledUntil: b.scheduled_until,
    componentIds: b.component_ids,
    notify: b.notify,
  }));

const MaintenanceUpdateBody = z
  .strictObject({
    status: z
      .enum(MAINTENANCE_STATUSES)
      .describe('in_progress starts the work, verifying checks it, completed ends it; scheduled re-announces'),
    body: S.body.describe('Markdown shown to customers; {{placeholders}} must be filled in'),
    auto_components: z
      .boolean()
      .default(true)
      .describe(
        'Move the components with the step, as the admin does: under_maintenance when work starts, back to operational when completed. Ignored when `components` is sent',
      ),
    components: z
      .array(ComponentChangeInput)
      .max(200)
      .optional()
      .describe('Set component statuses yourself instead'),
  })
  .transform((b) => ({ status: b.status, body: b.body, autoComponents: b.auto_components, components: b.components }));

export function maintenanceOperations(): Operation[] {
  const [list, get, post, edit, remove] = lifecycleOperations(
    'maintenance',
    { base: '/maintenance', tag: 'Maintenance', one: 'Maintenance', many: 'Maintenance', noun: 'maintenance' },
    {
      body: MaintenanceUpdateBody,
      description:
        'Moves the maintenance to its next step with an update, as the admin does: its components move with the step unless `components` sets them or `auto_components` is false.',
      post: ({ deps, actor, params, body }) =>
        body.components
          ? postUpdate(deps, { incidentId: params.id, status: body.status, body: body.body, components: body.components }, actor)
          : postMaintenanceUpdate(deps, actor, {
              maintenanceId: params.id,
              status: body.status,
              body: body.body,
              autoComponents: body.autoComponents,
            }),
    },
  );
  return [
    list!,
    get!,
    operation({
      operationId: 'scheduleMaintenance',
      method: 'post',
      path: '/maintenance',
      tag: 'Maintenance',
      summary: 'Schedule maintenance',
      description: 'Announces a maintenance window with its first ("Scheduled") update.',
      permission: 'incidents:write',
      body: ScheduleBody,
      status: 201,
      response: IncidentModel,
      async run(ctx) {
        const id = await scheduleMaintenance(ctx.deps, ctx.body, ctx.actor);
        return incidentResponse(ctx, id, 'maintenance');
      },
    }),
    post!,
    edit!,
    remove!,
  ];
}

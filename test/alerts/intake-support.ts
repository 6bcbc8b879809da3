import { count } from 'drizzle-orm';
import type { InternalNotification } from '../../src/channels/message.js';
import * as schema from '../../src/db/schema.js';
import type { IncomingAlert } from '../../src/domain/alerts.js';
import type { Deps } from '../../src/deps.js';
import type { Actor } from '../../src/services/auth/actor.js';

/** What a monitoring tool authenticates as: a token of scope `alerts`. */
export const MONITORING: Actor = { kind: 'token', id: 'tok-alerts', label: 'token: alertmanager', role: 'alerts' };

export const MIN = 60_000;

let counter = 0;

/** A firing Alertmanager alert (a fresh key each time unless given). */
export function incoming(fields: Partial<IncomingAlert> = {}): IncomingAlert {
  counter += 1;
  return {
    source: 'alertmanager',
    key: `fp${counter}`,
    status: 'firing',
    summary: `Alert ${counter}`,
    description: null,
    labels: {},
    links: [],
    severity: null,
    component: null,
    startsAt: Date.UTC(2026, 10, 23, 11, 58, 0),
    endsAt: null,
    groupKey: `group-${counter}`,
    ...fields,
  };
}

/** The same alert, resolved. */
export function resolved(alert: IncomingAlert, endsAt: number | null = null): IncomingAlert {
  return { ...alert, status: 'resolved', endsAt };
}

/** Deliveries queued for a destination (of `kind` when given), with the message they carry. */
export async function deliveriesTo(
  deps: Pick<Deps, 'repos'>,
  destinationId: string,
  kind?: string,
): Promise<{ kind: string; messageId: string; message: InternalNotification }[]> {
  const rows = await deps.repos.destinations.deliveriesOf(destinationId, 500);
  return rows
    .filter((row) => kind === undefined || row.kind === kind)
    .map((row) => ({ kind: row.kind, messageId: row.messageId, message: row.message as unknown as InternalNotification }));
}

/** Rows in a table. */
export async function rowsIn(deps: Pick<Deps, 'db'>, table: 'incidents' | 'incident_updates' | 'mail_outbox' | 'alert_drafts' | 'alerts' | 'destination_deliveries'): Promise<number> {
  const tables = {
    incidents: schema.incidents,
    incident_updates: schema.incidentUpdates,
    mail_outbox: schema.mailOutbox,
    alert_drafts: schema.alertDrafts,
    alerts: schema.alerts,
    destination_deliveries: schema.destinationDeliveries,
  };
  const row = await deps.db.orm.select({ n: count() }).from(tables[table]).get();
  return Number(row?.n ?? 0);
}

import type { Calendar } from '../calendar/ics.js';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import type { ComponentRow, SettingsRow } from '../db/schema.js';
import { INCIDENT_STATUS_LABELS } from '../domain/constants.js';
import { effectiveStatus } from '../domain/lifecycle.js';

/** Scheduled maintenance as calendar events people can subscribe to. */
export function presentMaintenanceCalendar(
  settings: SettingsRow,
  components: ComponentRow[],
  maintenances: IncidentDetail[],
  baseUrl: string,
  now: number,
): Calendar {
  const host = new URL(baseUrl).hostname;
  const names = new Map(components.filter((c) => !c.hidden).map((c) => [c.id, c.name]));
  return {
    name: `${settings.name} maintenance`,
    description: `Scheduled maintenance for ${settings.name}`,
    stamp: now,
    events: maintenances
      .filter((m) => m.scheduledFor !== null && m.scheduledUntil !== null)
      .map((m) => {
        const status = effectiveStatus(m, now);
        const affected = m.componentIds.flatMap((id) => names.get(id) ?? []);
        const latest = m.updates[0];
        return {
          uid: `maintenance-${m.id}@${host}`,
          // RFC 5545 3.8.7.4: 0 when created, one more with every change.
          sequence: m.sequence,
          created: m.createdAt,
          lastModified: m.updatedAt,
          start: m.scheduledFor!,
          end: m.scheduledUntil!,
          summary: `Maintenance: ${m.title}`,
          description: [
            `Status: ${INCIDENT_STATUS_LABELS[status]}`,
            affected.length ? `Affects: ${affected.join(', ')}` : '',
            latest?.body ?? '',
            `${baseUrl}/incidents/${m.id}`,
          ]
            .filter(Boolean)
            .join('\n\n'),
          url: `${baseUrl}/incidents/${m.id}`,
          status: 'CONFIRMED' as const,
        };
      }),
  };
}

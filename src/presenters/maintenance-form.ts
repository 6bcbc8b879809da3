import { INCIDENT_STATUS_LABELS, MAINTENANCE_STATUSES, type MaintenanceStatus } from '../domain/constants.js';
import { fillTemplate, placeholderLabel, placeholdersIn, placeholderValue } from '../domain/templates.js';
import { formatDuration, type Formatter } from './format.js';

/**
 * Maintenance forms and automatic maintenance updates: the placeholders Herald
 * can fill by itself from the maintenance (its window and components), and the
 * state of the admin forms, kept across previews and refusals. Pure.
 */

export type FormFields = Record<string, string | string[] | undefined>;

const text = (value: string | string[] | undefined): string => (Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));
const list = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : value ? [value] : []);

/** "API", "API and Web", "API, Web and Search". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export interface MaintenanceFacts {
  scheduledFor: number | null;
  scheduledUntil: number | null;
  /** Names of the affected components customers can see. */
  componentNames: readonly string[];
  /** The next update the text promises, if any. */
  nextUpdateAt: number | null;
}

/**
 * Values for the placeholders a maintenance answers by itself:
 * {{affected_service}}, {{start_time}}, {{end_time}}, {{duration}} and
 * {{next_update_time}}. Those it cannot answer are left out (never guessed).
 */
export function maintenancePlaceholderValues(facts: MaintenanceFacts, format: Formatter): Record<string, string> {
  const values: Record<string, string> = {};
  if (facts.componentNames.length) values.affected_service = joinNames(facts.componentNames);
  if (facts.scheduledFor !== null) values.start_time = format.dateTime(facts.scheduledFor).text;
  if (facts.scheduledUntil !== null) values.end_time = format.dateTime(facts.scheduledUntil).text;
  if (facts.scheduledFor !== null && facts.scheduledUntil !== null && facts.scheduledUntil > facts.scheduledFor) {
    values.duration = formatDuration(facts.scheduledUntil - facts.scheduledFor);
  }
  if (facts.nextUpdateAt !== null) values.next_update_time = format.dateTime(facts.nextUpdateAt).text;
  return values;
}

export interface PlaceholderField {
  name: string;
  label: string;
  /** What the Comms Lead typed. */
  value: string;
  /** What a blank field becomes, when Herald knows it. */
  automatic: string | null;
}

/** One field per placeholder in the texts, in order of appearance. */
export function placeholderFields(
  texts: readonly string[],
  typed: Readonly<Record<string, string>>,
  automatic: Readonly<Record<string, string>>,
): PlaceholderField[] {
  return placeholdersIn(texts.join('\n')).map((name) => ({
    name,
    label: placeholderLabel(name),
    value: placeholderValue(typed, name) ?? '',
    automatic: placeholderValue(automatic, name) ?? null,
  }));
}

/** Typed values win; blank ones fall back to what Herald knows. */
export function effectiveValues(typed: Readonly<Record<string, string>>, automatic: Readonly<Record<string, string>>): Record<string, string> {
  const values: Record<string, string> = { ...automatic };
  for (const [name, value] of Object.entries(typed)) if (value.trim()) values[name] = value;
  return values;
}

/** The text as it will be published. */
export function fillMaintenanceText(source: string, typed: Readonly<Record<string, string>>, automatic: Readonly<Record<string, string>>): string {
  return fillTemplate(source, effectiveValues(typed, automatic));
}

function typedValues(fields: FormFields): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (key.startsWith('ph_')) values[key.slice(3)] = text(value);
  return values;
}

/** The "schedule a maintenance" form as typed. */
export interface ScheduleFormState {
  templateId: string;
  title: string;
  /** datetime-local values, in the page's time zone. */
  starts: string;
  ends: string;
  componentIds: string[];
  body: string;
  values: Record<string, string>;
  notify: boolean;
}

export function emptyScheduleForm(): ScheduleFormState {
  return { templateId: '', title: '', starts: '', ends: '', componentIds: [], body: '', values: {}, notify: true };
}

export function scheduleFormFrom(fields: FormFields): ScheduleFormState {
  return {
    templateId: text(fields.template),
    title: text(fields.title),
    starts: text(fields.starts),
    ends: text(fields.ends),
    componentIds: list(fields.components),
    body: text(fields.body),
    values: typedValues(fields),
    notify: text(fields.notify) === 'on',
  };
}

/** The "post an update" form of one maintenance as typed. */
export interface MaintenanceUpdateFormState {
  templateId: string;
  status: MaintenanceStatus | '';
  body: string;
  values: Record<string, string>;
  /** Move the components with the status (Under maintenance / back to Operational). */
  autoComponents: boolean;
}

export function maintenanceUpdateFormFrom(fields: FormFields): MaintenanceUpdateFormState {
  const status = text(fields.status);
  return {
    templateId: text(fields.template),
    status: (MAINTENANCE_STATUSES as readonly string[]).includes(status) ? (status as MaintenanceStatus) : '',
    body: text(fields.body),
    values: typedValues(fields),
    autoComponents: text(fields.auto_components) === 'on',
  };
}

export const MAINTENANCE_STATUS_OPTIONS = MAINTENANCE_STATUSES.map((value) => ({ value, label: INCIDENT_STATUS_LABELS[value] }));

import { COMPONENT_STATUS_LABELS, COMPONENT_STATUSES, type ComponentStatus } from '../domain/constants.js';
import { fillTemplate, placeholderLabel, placeholdersIn, placeholderValue } from '../domain/templates.js';
import type { ComponentGroupRow, ComponentRow, TemplateRow } from '../db/schema.js';

/**
 * The state of an incident or update form: what the Comms Lead typed, kept
 * across previews and refusals so nothing is ever lost. Pure: built from the
 * submitted fields (or a template) and turned into service input.
 */
export interface UpdateFormState {
  templateId: string;
  title: string;
  severity: string;
  status: string;
  /** The text as typed, placeholders included. */
  body: string;
  placeholders: { name: string; label: string; value: string }[];
  components: { id: string; name: string; group: string | null; current: ComponentStatus; currentLabel: string; chosen: string }[];
  /** "HH:MM" in the page time zone. */
  nextUpdate: string;
  /**
   * The "next update by" the form last suggested (from the severity's
   * cadence), sent back with it; null when the submission did not carry one.
   * While nextUpdate still equals it, the person has not typed their own.
   */
  nextUpdateSuggested: string | null;
  notify: 'auto' | 'yes' | 'no';
  restoreComponents: boolean;
}

export type FormFields = Record<string, string | string[] | undefined>;

const text = (value: string | string[] | undefined): string => (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')).toString();

/** Placeholders that fill themselves from other fields. */
const AUTOMATIC = new Set(['next_update_time']);

export function emptyFormState(components: ComponentRow[], groups: ComponentGroupRow[]): UpdateFormState {
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  // Page order: grouped components group by group, then the ungrouped ones.
  const groupRank = new Map(groups.map((g, i) => [g.id, i]));
  const rank = (c: ComponentRow): number => (c.groupId !== null ? (groupRank.get(c.groupId) ?? groups.length) : groups.length);
  const ordered = [...components].sort((a, b) => rank(a) - rank(b) || a.position - b.position);
  return {
    templateId: '',
    title: '',
    severity: '',
    status: '',
    body: '',
    placeholders: [],
    components: ordered.map((c) => ({
      id: c.id,
      name: c.name,
      group: c.groupId ? (groupName.get(c.groupId) ?? null) : null,
      current: c.status,
      currentLabel: COMPONENT_STATUS_LABELS[c.status],
      chosen: '',
    })),
    nextUpdate: '',
    nextUpdateSuggested: null,
    notify: 'auto',
    restoreComponents: true,
  };
}

/**
 * Starts a form from a template: its title and body, and a field per
 * placeholder, filled from `known` (the values used earlier in the incident).
 */
export function applyTemplate(state: UpdateFormState, template: TemplateRow, known: Readonly<Record<string, string>> = {}): UpdateFormState {
  const body = template.body;
  return {
    ...state,
    templateId: template.id,
    title: state.title || template.title || '',
    status: state.status || template.status,
    body,
    placeholders: placeholderFields(`${template.title ?? ''}\n${body}`, known),
  };
}

/**
 * The placeholder values an incident's updates were written with, the latest
 * value of each name winning: what its next update starts from. `updates` in
 * any order; their `at` decides.
 */
export function carriedPlaceholders(updates: readonly { at: number; placeholders: Record<string, string> | null }[]): Record<string, string> {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const update of [...updates].sort((a, b) => a.at - b.at)) {
    for (const [name, value] of Object.entries(update.placeholders ?? {})) if (typeof value === 'string' && value.trim()) values[name] = value;
  }
  return values;
}

/** The placeholder values typed in a form (blank ones left out), as the services store them. */
export function placeholderValuesOf(state: UpdateFormState): Record<string, string> {
  return Object.fromEntries(state.placeholders.filter((p) => p.value.trim() !== '').map((p) => [p.name, p.value]));
}

function placeholderFields(source: string, values: Record<string, string>): UpdateFormState['placeholders'] {
  return placeholdersIn(source)
    .filter((name) => !AUTOMATIC.has(name))
    .map((name) => ({ name, label: placeholderLabel(name), value: placeholderValue(values, name) ?? '' }));
}

/** Reads a submitted form back into its state. */
export function formStateFrom(fields: FormFields, base: UpdateFormState): UpdateFormState {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (key.startsWith('ph_')) values[key.slice(3)] = text(value);
  const title = text(fields.title);
  const body = text(fields.body);
  const notify = text(fields.notify);
  return {
    ...base,
    templateId: text(fields.template),
    title,
    severity: text(fields.severity),
    status: text(fields.status) || base.status,
    body,
    placeholders: placeholderFields(`${title}\n${body}`, values),
    components: base.components.map((c) => {
      const chosen = text(fields[`component_${c.id}`]);
      return { ...c, chosen: (COMPONENT_STATUSES as readonly string[]).includes(chosen) ? chosen : '' };
    }),
    nextUpdate: text(fields.next_update),
    nextUpdateSuggested: fields.next_update_suggested === undefined ? null : text(fields.next_update_suggested),
    notify: notify === 'yes' || notify === 'no' ? notify : 'auto',
    restoreComponents: text(fields.restore) === 'on',
  };
}

/**
 * Suggests a "next update by" time: on a new form always, on a submitted one
 * only while the field still holds the previous suggestion, so the prefill
 * follows the severity (and the clock) across previews and refusals, and a
 * time the person typed is kept.
 */
export function suggestNextUpdate(state: UpdateFormState, suggestion: string, fresh = false): UpdateFormState {
  const untouched = fresh || (state.nextUpdateSuggested !== null && state.nextUpdate.trim() === state.nextUpdateSuggested);
  return untouched ? { ...state, nextUpdate: suggestion, nextUpdateSuggested: suggestion } : state;
}

/** The text as it will be published: placeholders filled from their fields. */
export function filledText(state: UpdateFormState, source: string, nextUpdateText: string | null): string {
  const values: Record<string, string> = Object.fromEntries(state.placeholders.map((p) => [p.name, p.value]));
  if (nextUpdateText) values.next_update_time = nextUpdateText;
  return fillTemplate(source, values);
}

/** The component status changes the form asks for. */
export function chosenComponents(state: UpdateFormState): { componentId: string; status: ComponentStatus }[] {
  return state.components
    .filter((c) => c.chosen !== '')
    .map((c) => ({ componentId: c.id, status: c.chosen as ComponentStatus }));
}

export const COMPONENT_STATUS_OPTIONS = COMPONENT_STATUSES.map((value) => ({ value, label: COMPONENT_STATUS_LABELS[value] }));

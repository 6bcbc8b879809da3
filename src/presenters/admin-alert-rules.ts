import type { AlertRuleRow, ComponentRow } from '../db/schema.js';
import { ALERT_SOURCE_LABELS, ALERT_SOURCES, COMPONENT_STATUS_LABELS, SEVERITIES, type AlertSource } from '../domain/constants.js';
import type { CreateRuleInput } from '../services/alerts/rules.js';
import { joinNames } from './maintenance-form.js';

/*
 * The alert rule form: what was typed, kept across refusals, and turned into
 * the rules service's input. The matchers are one `label=value` per line in
 * a textarea (works on any phone, no script); each line is checked here so a
 * mistake is named by its line. Pure.
 */

export type Form = Record<string, string | string[]>;

const text = (form: Form, key: string): string => {
  const value = form[key];
  return typeof value === 'string' ? value : Array.isArray(value) ? (value[0] ?? '') : '';
};
const list = (form: Form, key: string): string[] => {
  const value = form[key];
  return Array.isArray(value) ? value : typeof value === 'string' && value !== '' ? [value] : [];
};

/** The statuses a rule may set automatically (never operational or maintenance). */
export const AUTO_STATUSES = ['degraded_performance', 'partial_outage', 'major_outage'] as const;
export type AutoStatus = (typeof AUTO_STATUSES)[number];

export interface RuleFormValues {
  name: string;
  /** '' for any source. */
  source: string;
  /** The textarea as typed. */
  matchers: string;
  componentIds: string[];
  /** '' for none. */
  severity: string;
  /** '' for off. */
  autoComponentStatus: string;
  enabled: boolean;
}

export const EMPTY_RULE_FORM: RuleFormValues = {
  name: '',
  source: '',
  matchers: '',
  componentIds: [],
  severity: '',
  autoComponentStatus: '',
  enabled: true,
};

export function ruleFormValues(form: Form): RuleFormValues {
  return {
    name: text(form, 'name'),
    source: text(form, 'source'),
    matchers: text(form, 'matchers'),
    componentIds: list(form, 'componentIds'),
    severity: text(form, 'severity'),
    autoComponentStatus: text(form, 'autoComponentStatus'),
    enabled: text(form, 'enabled') !== '',
  };
}

export function ruleValuesOf(rule: AlertRuleRow): RuleFormValues {
  return {
    name: rule.name,
    source: rule.source ?? '',
    matchers: formatMatchers(rule.matchers),
    componentIds: rule.componentIds,
    severity: rule.severity === null ? '' : String(rule.severity),
    autoComponentStatus: rule.autoComponentStatus ?? '',
    enabled: rule.enabled,
  };
}

/** One `label=value` per line. */
export function formatMatchers(matchers: Readonly<Record<string, string>>): string {
  return Object.entries(matchers)
    .map(([label, value]) => `${label}=${value}`)
    .join('\n');
}

/**
 * Reads the matchers textarea: one `label=value` per line (blank lines
 * skipped; the value is everything after the first "=", and may be empty,
 * as an Uptime Kuma tag without a value is). Each mistake names its line.
 */
export function parseMatchers(source: string): { matchers: Record<string, string>; errors: string[] } {
  const matchers: Record<string, string> = Object.create(null) as Record<string, string>;
  const firstLine = new Map<string, number>();
  const errors: string[] = [];
  source.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = raw.trim();
    const n = index + 1;
    if (line === '') return;
    const eq = line.indexOf('=');
    if (eq < 0) {
      errors.push(`Line ${n} ("${line.slice(0, 60)}"): write label=value, e.g. service=payments`);
      return;
    }
    const label = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (label === '') errors.push(`Line ${n}: the label name before "=" is missing`);
    else if (/\s/.test(label)) errors.push(`Line ${n}: the label name "${label.slice(0, 60)}" has a space in it`);
    else if (label === '__proto__') errors.push(`Line ${n}: __proto__ cannot be a label name`);
    else if (label.length > 200) errors.push(`Line ${n}: the label name is longer than 200 characters`);
    else if (value.length > 2000) errors.push(`Line ${n}: the value is longer than 2000 characters`);
    else if (firstLine.has(label)) errors.push(`Line ${n}: ${label.slice(0, 60)} is already matched on line ${firstLine.get(label)}`);
    else {
      firstLine.set(label, n);
      matchers[label] = value;
    }
  });
  if (!errors.length && firstLine.size > 20) errors.push(`At most 20 matchers (there are ${firstLine.size})`);
  return { matchers: { ...matchers }, errors };
}

/** The service's input from the form's values (matchers parsed separately). */
export function ruleInputOf(values: RuleFormValues, matchers: Record<string, string>): CreateRuleInput {
  return {
    name: values.name,
    source: (values.source === '' ? null : values.source) as AlertSource | null,
    matchers,
    componentIds: values.componentIds,
    severity: (values.severity === '' ? null : Number(values.severity)) as CreateRuleInput['severity'],
    autoComponentStatus: (values.autoComponentStatus === '' ? null : values.autoComponentStatus) as AutoStatus | null,
    enabled: values.enabled,
  };
}

export const SOURCE_OPTIONS = [{ value: '', label: 'Any source' }, ...ALERT_SOURCES.map((value) => ({ value, label: ALERT_SOURCE_LABELS[value] }))];
export const RULE_SEVERITY_OPTIONS = [{ value: '', label: 'None suggested' }, ...SEVERITIES.map((s) => ({ value: String(s), label: `SEV-${s}` }))];
export const AUTO_STATUS_OPTIONS = [
  { value: '', label: 'Off: the status page changes only when a person posts' },
  ...AUTO_STATUSES.map((value) => ({ value, label: COMPONENT_STATUS_LABELS[value] })),
];

export interface RuleView {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  sourceLabel: string;
  matchers: { name: string; value: string }[];
  componentsText: string;
  severityLabel: string;
  autoStatusLabel: string | null;
}

export function presentRule(rule: AlertRuleRow, componentsById: ReadonlyMap<string, Pick<ComponentRow, 'name'>>): RuleView {
  const names = rule.componentIds.map((id) => componentsById.get(id)?.name ?? 'a deleted component');
  return {
    id: rule.id,
    name: rule.name,
    position: rule.position,
    enabled: rule.enabled,
    sourceLabel: rule.source ? ALERT_SOURCE_LABELS[rule.source] : 'Any source',
    matchers: Object.entries(rule.matchers).map(([name, value]) => ({ name, value })),
    componentsText: names.length ? joinNames(names) : 'No components',
    severityLabel: rule.severity === null ? 'No severity suggested' : `SEV-${rule.severity} suggested`,
    autoStatusLabel: rule.autoComponentStatus ? COMPONENT_STATUS_LABELS[rule.autoComponentStatus] : null,
  };
}

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INTERNAL_CADENCE,
  internalCadence,
  internalCadenceTable,
  suggestedNextUpdate,
  updateCadence,
} from '../../src/domain/cadence.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;

describe('internalCadence', () => {
  it.each([
    { case: 'SEV-1, just told', severity: 1, last: T0, minutes: 15, now: T0, dueAt: T0 + 15 * MIN, overdue: false },
    { case: 'SEV-1, exactly at the due time (not late yet)', severity: 1, last: T0, minutes: 15, now: T0 + 15 * MIN, dueAt: T0 + 15 * MIN, overdue: false },
    { case: 'SEV-1, one millisecond past due', severity: 1, last: T0, minutes: 15, now: T0 + 15 * MIN + 1, dueAt: T0 + 15 * MIN, overdue: true },
    { case: 'SEV-2, 29 min after', severity: 2, last: T0, minutes: 30, now: T0 + 29 * MIN, dueAt: T0 + 30 * MIN, overdue: false },
    { case: 'SEV-3, 3 h after', severity: 3, last: T0, minutes: 120, now: T0 + 180 * MIN, dueAt: T0 + 120 * MIN, overdue: true },
    { case: 'SEV-4, no cadence', severity: 4, last: T0, minutes: null, now: T0 + 1000 * MIN, dueAt: null, overdue: false },
    { case: 'a custom 5 min cadence', severity: 2, last: T0, minutes: 5, now: T0 + 6 * MIN, dueAt: T0 + 5 * MIN, overdue: true },
    { case: 'a cadence turned off for SEV-1', severity: 1, last: T0, minutes: null, now: T0 + 60 * MIN, dueAt: null, overdue: false },
  ] as const)('$case', ({ severity, last, minutes, now, dueAt, overdue }) => {
    expect(internalCadence({ severity, lastInternalAt: last, cadenceMinutes: minutes }, now)).toEqual({ dueAt, overdue });
  });

  it('counts from the last time the company was told, however late the previous one was', () => {
    const late = internalCadence({ severity: 1, lastInternalAt: T0 + 40 * MIN, cadenceMinutes: 15 }, T0 + 50 * MIN);
    expect(late).toEqual({ dueAt: T0 + 55 * MIN, overdue: false });
  });

  it('runs beside the public cadence, which a promised time can move', () => {
    const publicDue = updateCadence({ severity: 1, lastUpdateAt: T0, promisedAt: T0 + 60 * MIN }, T0 + 20 * MIN);
    const internalDue = internalCadence({ severity: 1, lastInternalAt: T0, cadenceMinutes: 15 }, T0 + 20 * MIN);
    expect(publicDue.overdue).toBe(false);
    expect(internalDue.overdue).toBe(true);
    expect(suggestedNextUpdate(1, T0 + 1)).toBe(T0 + 20 * MIN);
  });
});

describe('internalCadenceTable', () => {
  it.each([
    { case: 'null: the defaults', stored: null, table: { 1: 15, 2: 30, 3: 120, 4: null } },
    { case: 'a full table', stored: { 1: 10, 2: 20, 3: 60, 4: 240 }, table: { 1: 10, 2: 20, 3: 60, 4: 240 } },
    { case: 'a severity left out has none', stored: { 1: 10 }, table: { 1: 10, 2: null, 3: null, 4: null } },
    { case: 'an empty table: none at all', stored: {}, table: { 1: null, 2: null, 3: null, 4: null } },
    { case: 'out of range or fractional values are ignored', stored: { 1: 4, 2: 1441, 3: 30.5, 4: 1440 }, table: { 1: null, 2: null, 3: null, 4: 1440 } },
  ])('$case', ({ stored, table }) => {
    expect(internalCadenceTable(stored as Record<string, number> | null)).toEqual(table);
  });

  it('does not hand out the shared defaults object', () => {
    const table = internalCadenceTable(null);
    table[1] = 1;
    expect(DEFAULT_INTERNAL_CADENCE[1]).toBe(15);
  });

  it('ignores inherited names ("constructor")', () => {
    expect(internalCadenceTable(Object.create({ 1: 15 }) as Record<string, number>)).toEqual({ 1: null, 2: null, 3: null, 4: null });
  });
});

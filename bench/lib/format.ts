// Numbers as the reports print them.

/** With thousands separators and exactly `digits` decimals: 12,345.6. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A share of the machine's CPU in cores (1.00 = one core busy all along); n/a where it could not be measured. */
export function cores(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}

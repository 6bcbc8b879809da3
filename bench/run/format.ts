// How the report of `npm run bench` prints its figures.
import type { Measured } from './summarize.js';

export const percent = (ratio: number | undefined): string => (ratio === undefined ? '' : `${(ratio * 100).toFixed(1)}%`);
export const ms = (value: number): string => value.toFixed(1);

/** Status codes and their counts, then errors and timeouts if any: "200×9147". */
export function codes(m: Measured): string {
  return (
    Object.entries(m.statusCodes)
      .map(([code, count]) => `${code}×${count}`)
      .join(' ') + (m.errors || m.timeouts ? ` errors ${m.errors} timeouts ${m.timeouts}` : '')
  );
}

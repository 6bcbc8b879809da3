// The Markdown tables every benchmark prints (and that bench/README.md quotes).

/** Columns padded to their widest cell; numbers right-aligned, the `left` columns (default: the first) left-aligned. */
export function markdownTable(header: string[], rows: (string | number)[][], left: readonly number[] = [0]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const isLeft = (i: number): boolean => left.includes(i);
  const line = (row: string[]): string => `| ${row.map((cell, i) => (isLeft(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (isLeft(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

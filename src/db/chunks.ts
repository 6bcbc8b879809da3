/**
 * D1 allows at most 100 bound parameters per statement, so `IN (...)` lists
 * are queried in slices and the results concatenated.
 */
export const MAX_IN_LIST = 90;

export async function selectInChunks<T>(
  ids: readonly string[],
  query: (chunk: string[]) => T[] | Promise<T[]>,
  /** Ids per statement; lower it when a query binds each id more than once. */
  size: number = MAX_IN_LIST,
): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < ids.length; i += size) {
    results.push(...(await query(ids.slice(i, i + size))));
  }
  return results;
}

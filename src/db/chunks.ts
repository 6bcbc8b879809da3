/**
 * D1 allows at most 100 bound parameters per statement, so `IN (...)` lists
 * are queried in slices and the results concatenated.
 */
export const MAX_IN_LIST = 90;

export async function selectInChunks<T>(
  ids: readonly string[],
  query: (chunk: string[]) => T[] | Promise<T[]>,
): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < ids.length; i += MAX_IN_LIST) {
    results.push(...(await query(ids.slice(i, i + MAX_IN_LIST))));
  }
  return results;
}

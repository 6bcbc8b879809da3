/**
 * A bounded memo for pure functions called again and again with the same
 * input (a page's day boundaries, an update body's Markdown): the first
 * `limit` distinct keys are kept, the oldest dropped after that.
 */
export function memoize<K, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    if (cache.has(key)) return cache.get(key)!;
    const value = compute(key);
    if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
    return value;
  };
}

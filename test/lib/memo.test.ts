import { describe, expect, it } from 'vitest';
import { memoize } from '../../src/lib/memo.js';

describe('memoize', () => {
  it('computes each key once while it is remembered, and forgets the oldest past the limit', () => {
    const calls: number[] = [];
    const square = memoize(2, (n: number) => (calls.push(n), n * n));
    expect([square(3), square(3), square(4), square(3)]).toEqual([9, 9, 16, 9]);
    expect(calls).toEqual([3, 4]);
    square(5); // a third key: 3, the oldest, is dropped
    expect(square(4)).toBe(16);
    expect(calls).toEqual([3, 4, 5]);
    expect(square(3)).toBe(9);
    expect(calls).toEqual([3, 4, 5, 3]);
  });

  it('remembers falsy results too', () => {
    let calls = 0;
    const nothing = memoize(10, (_key: string) => (calls++, undefined));
    nothing('a');
    nothing('a');
    expect(calls).toBe(1);
  });
});

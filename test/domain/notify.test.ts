import { describe, expect, it } from 'vitest';
import { audiencesOf, BACKFILL_NO_NOTIFY_MS } from '../../src/domain/notify.js';

const WRITTEN = Date.UTC(2026, 5, 1, 10);
const MIN = 60_000;

describe('audiencesOf: whom a published update is sent to', () => {
  it.each([
    { case: 'notify on, published now', notify: true, at: WRITTEN, email: true },
    { case: 'notify off', notify: false, at: WRITTEN, email: false },
    { case: 'dated in the future (a scheduled notice)', notify: true, at: WRITTEN + 24 * 60 * MIN, email: true },
    { case: 'dated exactly the backfill limit ago: still news', notify: true, at: WRITTEN - BACKFILL_NO_NOTIFY_MS, email: true },
    { case: 'a millisecond past the limit: backfill', notify: true, at: WRITTEN - BACKFILL_NO_NOTIFY_MS - 1, email: false },
    { case: 'last week, written now: backfill', notify: true, at: WRITTEN - 7 * 24 * 60 * MIN, email: false },
    { case: 'backfill with notify off', notify: false, at: WRITTEN - 7 * 24 * 60 * MIN, email: false },
  ])('$case', ({ notify, at, email }) => {
    expect(audiencesOf({ notify }, { at, createdAt: WRITTEN })).toEqual({ emailSubscribers: email });
  });

  it('backfill is an hour', () => {
    expect(BACKFILL_NO_NOTIFY_MS).toBe(60 * MIN);
  });
});

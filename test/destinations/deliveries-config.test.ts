// OUTBOUND_ALLOW_LOOPBACK: off by default, '1'/'0' only, a clear message for anything else.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseAppConfig, parseNodeConfig } from '../../src/config.js';

describe('OUTBOUND_ALLOW_LOOPBACK', () => {
  it('is off by default and on with 1', () => {
    expect(parseAppConfig({}).outbound).toEqual({ allowLoopback: false });
    expect(parseAppConfig({ OUTBOUND_ALLOW_LOOPBACK: '0' }).outbound).toEqual({ allowLoopback: false });
    expect(parseAppConfig({ OUTBOUND_ALLOW_LOOPBACK: '1' }).outbound).toEqual({ allowLoopback: true });
    expect(parseNodeConfig({ OUTBOUND_ALLOW_LOOPBACK: '1' }).outbound.allowLoopback).toBe(true);
    // Empty means unset, as everywhere else.
    expect(parseAppConfig({ OUTBOUND_ALLOW_LOOPBACK: '' }).outbound.allowLoopback).toBe(false);
  });

  it.each(['yes', 'true', '2', 'on'])('refuses %s with a message naming the variable and the values', (value) => {
    expect(() => parseAppConfig({ OUTBOUND_ALLOW_LOOPBACK: value })).toThrow(ConfigError);
    expect(() => parseAppConfig({ OUTBOUND_ALLOW_LOOPBACK: value })).toThrow(
      `OUTBOUND_ALLOW_LOOPBACK="${value}" must be 1 (allow plain http to loopback destinations, for development and tests) or 0 (the default)`,
    );
  });
});

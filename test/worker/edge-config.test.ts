/** The Worker's edge settings (src/edge/config.ts): defaults, and clear errors that never echo the purge token. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { parseEdgeConfig } from '../../src/edge/config.js';

const ZONE = '0123456789abcdef0123456789abcdef';
const TOKEN = 'purge_only_token_0123456789abcdef';

describe('parseEdgeConfig', () => {
  it('defaults: a 5 s edge lifetime, a day of last good copies, no purge', () => {
    expect(parseEdgeConfig({}, null)).toEqual({ cacheMs: 5_000, keepSeconds: 86_400, originTimeoutMs: 3_000, purge: null, debug: false });
    expect(parseEdgeConfig({ EDGE_CACHE_SECONDS: '0' }, null).cacheMs).toBe(0);
  });

  it('purge needs the zone id, the token and PUBLIC_URL', () => {
    expect(parseEdgeConfig({ CLOUDFLARE_ZONE_ID: ZONE, CLOUDFLARE_PURGE_TOKEN: TOKEN }, 'https://status.example.com').purge).toEqual({
      zoneId: ZONE,
      token: TOKEN,
      apiBaseUrl: 'https://api.cloudflare.com/client/v4',
      publicUrl: 'https://status.example.com',
    });
    expect(() => parseEdgeConfig({ CLOUDFLARE_ZONE_ID: ZONE }, 'https://status.example.com')).toThrow(/CLOUDFLARE_PURGE_TOKEN is not/);
    expect(() => parseEdgeConfig({ CLOUDFLARE_PURGE_TOKEN: TOKEN }, 'https://status.example.com')).toThrow(/CLOUDFLARE_ZONE_ID is not/);
    expect(() => parseEdgeConfig({ CLOUDFLARE_ZONE_ID: ZONE, CLOUDFLARE_PURGE_TOKEN: TOKEN }, null)).toThrow(/needs PUBLIC_URL/);
  });

  it('names the bad value, except the token', () => {
    expect(() => parseEdgeConfig({ EDGE_CACHE_SECONDS: '5s' }, null)).toThrow(/EDGE_CACHE_SECONDS="5s" must be a whole number of seconds from 0 to 300/);
    expect(() => parseEdgeConfig({ EDGE_CACHE_SECONDS: '301' }, null)).toThrow(ConfigError);
    expect(() => parseEdgeConfig({ CLOUDFLARE_ZONE_ID: 'example.com', CLOUDFLARE_PURGE_TOKEN: TOKEN }, 'https://s.example.com')).toThrow(/32-character zone id/);
    let message = '';
    try {
      parseEdgeConfig({ CLOUDFLARE_ZONE_ID: ZONE, CLOUDFLARE_PURGE_TOKEN: 'has spaces in it, a secret' }, 'https://s.example.com');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/CLOUDFLARE_PURGE_TOKEN must be a Cloudflare API token/);
    expect(message).not.toContain('a secret');
    expect(() => parseEdgeConfig({ CLOUDFLARE_API_BASE_URL: 'http://api.example.com/client/v4' }, null)).toThrow(/must be https/);
    expect(parseEdgeConfig({ CLOUDFLARE_API_BASE_URL: 'http://127.0.0.1:9/client/v4/' }, null)).toMatchObject({ purge: null });
  });
});

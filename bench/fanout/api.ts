// How the fan-out benchmark publishes: through Herald's management API
// (/api/v1), with an admin token made by the command line, as a client would.
import { execFileSync } from 'node:child_process';
import { rawRequest, type RawResponse } from '../lib/http.js';
import { ROOT } from '../lib/paths.js';
import { TSX } from './children.js';

export interface HeraldApi {
  url: string;
  auth: Record<string, string>;
}

/** An admin API token for the database `env` points at (`tsx src/entry/cli.ts create-token`). */
export function createAdminToken(url: string, env: NodeJS.ProcessEnv): HeraldApi {
  const tokenOutput = execFileSync(TSX, ['src/entry/cli.ts', 'create-token', '--name', 'bench', '--scope', 'admin'], { cwd: ROOT, env, encoding: 'utf8' });
  const token = /hrld_\S+/.exec(tokenOutput)?.[0];
  if (!token) throw new Error(`create-token printed no token:\n${tokenOutput}`);
  return { url, auth: { authorization: `Bearer ${token}` } };
}

/** POSTs `body` on a fresh connection (the publisher is not one of the page's keep-alive readers); anything but 201 stops the run. */
export async function post(api: HeraldApi, path: string, body: object): Promise<RawResponse> {
  const result = await rawRequest(`${api.url}${path}`, { method: 'POST', json: body, headers: api.auth, timeoutMs: 120_000 });
  if (result.status !== 201) throw new Error(`POST ${path} answered ${result.status}: ${result.body.toString('utf8')}`);
  return result;
}

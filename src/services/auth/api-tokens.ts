import { z } from 'zod';
import { MINUTE } from '../../domain/calendar.js';
import { TOKEN_SCOPES } from '../../domain/constants.js';
import type { ApiTokenRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, UnauthorizedError } from '../../lib/errors.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import { parseInput } from '../validation.js';
import { auditEntry, authorize, type Actor } from './actor.js';

type TokenDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

/** Tokens look like "hrld_<43 url-safe characters>" so secret scanners can spot them. */
export const TOKEN_PREFIX = 'hrld_';

export const CreateTokenInput = z.object({
  name: z.string().trim().min(1, { error: 'is required' }).max(100),
  scope: z.enum(TOKEN_SCOPES, { error: `must be one of ${TOKEN_SCOPES.join(', ')}` }),
});
export type CreateTokenInput = z.input<typeof CreateTokenInput>;

/** Creates a management API token. The secret is returned once and stored only as a hash. */
export async function createApiToken(
  deps: TokenDeps,
  actor: Actor,
  raw: CreateTokenInput,
): Promise<{ token: string; row: ApiTokenRow }> {
  authorize(actor, 'tokens:manage');
  const input = parseInput(CreateTokenInput, raw);
  const token = `${TOKEN_PREFIX}${randomToken()}`;
  const row: ApiTokenRow = {
    id: newId(),
    name: input.name,
    tokenHash: await sha256Hex(token),
    scope: input.scope,
    createdBy: actor.label,
    createdAt: deps.clock.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.db.atomic([
    deps.repos.accounts.insertApiToken(row),
    auditEntry(deps, actor, { action: 'token.create', targetType: 'token', targetId: row.id, details: { name: row.name, scope: row.scope } }),
  ]);
  return { token, row };
}

/** Every token, oldest first, revoked ones included (never their secrets: only hashes are stored). */
export async function listApiTokens(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<ApiTokenRow[]> {
  authorize(actor, 'tokens:manage');
  return deps.repos.accounts.listApiTokens();
}

/** One token, for pages that act on it (e.g. the revocation confirmation). */
export async function findApiToken(deps: Pick<Deps, 'repos'>, actor: Actor, id: string): Promise<ApiTokenRow> {
  const row = (await listApiTokens(deps, actor)).find((t) => t.id === id);
  if (!row) throw new NotFoundError('No such token.');
  return row;
}

/** Revokes a token at once. Revoking a revoked token changes nothing (and logs nothing). */
export async function revokeApiToken(deps: TokenDeps, actor: Actor, id: string): Promise<void> {
  const row = await findApiToken(deps, actor, id);
  if (row.revokedAt !== null) return;
  await deps.db.atomic([
    deps.repos.accounts.revokeApiToken(id, deps.clock.now()),
    auditEntry(deps, actor, { action: 'token.revoke', targetType: 'token', targetId: id, details: { name: row.name } }),
  ]);
}

/** The actor behind an `Authorization: Bearer hrld_...` header; 401 for anything else. */
export async function authenticateBearer(deps: TokenDeps, header: string | undefined): Promise<Actor> {
  const match = /^Bearer\s+(hrld_[A-Za-z0-9_-]{20,100})$/.exec(header ?? '');
  if (!match) throw new UnauthorizedError('Send a management API token as "Authorization: Bearer hrld_...".');
  const row = await deps.repos.accounts.findApiToken(await sha256Hex(match[1]!));
  if (!row || row.revokedAt !== null) throw new UnauthorizedError('This API token is unknown or revoked.');
  const now = deps.clock.now();
  // Last-used time to the minute: one write per minute per token at most.
  if (row.lastUsedAt === null || now - row.lastUsedAt > MINUTE) {
    await deps.db.atomic([deps.repos.accounts.markApiTokenUsed(row.id, now)]);
  }
  return { kind: 'token', id: row.id, label: `token: ${row.name}`, role: row.scope };
}

import { z } from 'zod';
import type { Statement } from '../../db/database.js';
import type { AuditRow } from '../../db/schema.js';
import type { Role, TokenScope } from '../../domain/constants.js';
import { can, type Permission } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { ForbiddenError } from '../../lib/errors.js';
import { parseInput } from '../validation.js';

/** Who is acting: a signed-in person, an API token, or Herald itself (`systemActor`). */
export interface Actor {
  kind: 'user' | 'token' | 'system';
  id: string;
  /** "Ada Lovelace <ada@example.com>", "token: deploy-bot" or "system: maintenance clock". */
  label: string;
  /** A person's role, a token's scope (which may be `alerts`: posting alerts only), Herald's own. */
  role: TokenScope;
}

/**
 * The parts of Herald that act without a signed-in person, each with the
 * lowest role its work needs, so that handing one to the wrong service still
 * fails that service's check. The pre-sign-in flows only write audit entries.
 */
const SYSTEM_ROLES = {
  /** Whoever runs `npm run admin` can open the database, so they own the page. */
  'command line': 'owner',
  /** Posts the automatic "In progress" and "Completed" maintenance updates. */
  'maintenance clock': 'comms',
  /** Creates the example components, incident and maintenance on first start. */
  'example page': 'admin',
  /** The first-owner setup link, used before any account exists. */
  'setup link': 'viewer',
  /** A one-time password link, used before signing in. */
  'password link': 'viewer',
  /** "Forgot your password?": anyone may ask, so it names no person. */
  'forgot password form': 'viewer',
} as const satisfies Record<string, Role>;

export type SystemActorName = keyof typeof SYSTEM_ROLES;

/** Herald itself as the actor: background work, the command line, the pre-sign-in links. */
export function systemActor(name: SystemActorName): Actor {
  return { kind: 'system', id: `system:${name}`, label: `system: ${name}`, role: SYSTEM_ROLES[name] };
}

/** Throws ForbiddenError unless the actor's role grants the permission. */
export function authorize(actor: Actor, permission: Permission): void {
  if (!can(actor.role, permission)) throw new ForbiddenError();
}

export interface AuditInput {
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

/** The audit row for an action, to put in the same atomic write as the change. */
export function auditEntry(deps: Pick<Deps, 'repos' | 'clock'>, actor: Actor, input: AuditInput): Statement {
  return deps.repos.audit.insert({
    at: deps.clock.now(),
    // actor_id names a member or a token; Herald itself is named by the label alone.
    actorId: actor.kind === 'system' ? null : actor.id,
    actor: actor.label,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    details: input.details ? JSON.stringify(input.details) : null,
  });
}

/** Audit log entries per page. */
export const AUDIT_PAGE_SIZE = 50;

export const AuditPageInput = z.object({
  before: z.coerce
    .number({ error: 'must be an audit entry number' })
    .int({ error: 'must be an audit entry number' })
    .positive({ error: 'must be an audit entry number' })
    .optional(),
});
export type AuditPageInput = z.input<typeof AuditPageInput>;

/**
 * One page of the audit log, newest first. `before` is the id to continue
 * from; `nextBefore` is set when older entries exist.
 */
export async function listAuditLog(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  raw: AuditPageInput,
): Promise<{ entries: AuditRow[]; nextBefore: number | null }> {
  authorize(actor, 'audit:read');
  const { before } = parseInput(AuditPageInput, raw);
  const rows = await deps.repos.audit.list({ limit: AUDIT_PAGE_SIZE + 1, before });
  const entries = rows.slice(0, AUDIT_PAGE_SIZE);
  return { entries, nextBefore: rows.length > AUDIT_PAGE_SIZE ? entries[entries.length - 1]!.id : null };
}

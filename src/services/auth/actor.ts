import { z } from 'zod';
import type { Statement } from '../../db/database.js';
import type { AuditRow } from '../../db/schema.js';
import type { Role } from '../../domain/constants.js';
import { can, type Permission } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { ForbiddenError } from '../../lib/errors.js';
import { parseInput } from '../validation.js';

/** Who is acting: a signed-in person or an API token. */
export interface Actor {
  kind: 'user' | 'token';
  id: string;
  /** "Ada Lovelace <ada@example.com>" or "token: deploy-bot". */
  label: string;
  role: Role;
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
export function auditEntry(deps: Pick<Deps, 'repos' | 'clock'>, actor: Actor | null, input: AuditInput): Statement {
  return deps.repos.audit.insert({
    at: deps.clock.now(),
    actorId: actor?.id ?? null,
    actor: actor?.label ?? 'system',
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

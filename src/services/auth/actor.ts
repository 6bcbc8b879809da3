import type { Statement } from '../../db/database.js';
import type { Role } from '../../domain/constants.js';
import { can, type Permission } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { ForbiddenError } from '../../lib/errors.js';

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

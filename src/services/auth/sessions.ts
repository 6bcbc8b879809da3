import { z } from 'zod';
import { HOUR, MINUTE } from '../../domain/calendar.js';
import type { Statement } from '../../db/database.js';
import type { SessionRow, UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { TooManyRequestsError, ValidationError } from '../../lib/errors.js';
import { WorkGate } from '../../lib/work-gate.js';
import { randomToken, sha256Hex, verifyPassword } from '../../lib/crypto.js';
import { parseInput } from '../validation.js';
import { auditEntry, type Actor } from './actor.js';
import { reserveAttempts } from './throttle.js';

/** Idle sessions end after 12 hours; activity extends them. */
export const SESSION_IDLE_MS = 12 * HOUR;
/** Failed logins are counted over this window... */
export const THROTTLE_WINDOW_MS = 15 * MINUTE;
/** ...and refused beyond these counts. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_IP = 20;
/**
 * Password checks (~0.5 s of PBKDF2 each) at once per process, and per
 * account: beyond these a sign-in is refused before hashing, so a flood costs
 * a lookup per request, not a hash.
 */
export const MAX_CONCURRENT_PASSWORD_CHECKS = 4;
export const MAX_CONCURRENT_CHECKS_PER_ACCOUNT = 1;

export function passwordCheckGate(): WorkGate {
  return new WorkGate({ total: MAX_CONCURRENT_PASSWORD_CHECKS, perKey: MAX_CONCURRENT_CHECKS_PER_ACCOUNT });
}

type AuthDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;
type LoginDeps = AuthDeps & Pick<Deps, 'passwordChecks'>;

export const LoginInput = z.object({
  email: z.string().trim().toLowerCase().email({ error: 'must be an email address' }).max(254),
  password: z.string().min(1, { error: 'is required' }).max(1024),
});

export function userActor(user: UserRow): Actor {
  return { kind: 'user', id: user.id, label: `${user.name} <${user.email}>`, role: user.role };
}

/**
 * Checks email and password, refusing after too many recent failures for the
 * account or the address. Returns a new session token: a fresh one at every
 * login, so a token planted before login (session fixation) is worthless.
 *
 * The attempt is counted before the password is checked, in one statement
 * that also checks the limits, so concurrent guesses cannot all slip under
 * them; a successful sign-in then takes its attempts back.
 */
export async function login(
  deps: LoginDeps,
  raw: { email: unknown; password: unknown },
  ip: string,
): Promise<{ token: string; user: UserRow; session: SessionRow }> {
  const input = parseInput(LoginInput, raw);
  const accountKey = `account:${input.email}`;
  const ipKey = `ip:${ip}`;
  const leave = deps.passwordChecks.tryEnter(accountKey);
  if (!leave) {
    throw new TooManyRequestsError('Too many sign-ins are being checked right now. Try again in a moment.', 1);
  }
  try {
    const now = deps.clock.now();
    const refused = await reserveAttempts(
      deps,
      [
        { key: accountKey, max: MAX_FAILURES_PER_ACCOUNT },
        { key: ipKey, max: MAX_FAILURES_PER_IP },
      ],
      THROTTLE_WINDOW_MS,
    );
    if (refused) {
      throw new TooManyRequestsError(
        `Too many failed sign-ins. Wait ${THROTTLE_WINDOW_MS / MINUTE} minutes and try again, or ask an owner to reset your password.`,
        refused.retryAfterSeconds,
      );
    }
    const user = await deps.repos.accounts.findUserByEmail(input.email);
    // Verify even for unknown accounts so timing does not reveal which emails exist.
    const valid = await verifyPassword(input.password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    // A failure keeps the attempts just counted.
    if (!user || !valid || user.disabledAt !== null) {
      throw new ValidationError('Wrong email or password.', { password: ['wrong email or password'] });
    }
    return await openSession(deps, user, [
      deps.repos.accounts.clearFailedLogins(accountKey),
      deps.repos.accounts.releaseAttempt(ipKey, now),
    ]);
  } finally {
    leave();
  }
}

/**
 * A new session for `user` (after a password check, or for the owner who has
 * just created their account with the setup link), with `alongside` in the
 * same write.
 */
export async function openSession(
  deps: AuthDeps,
  user: UserRow,
  alongside: readonly Statement[] = [],
): Promise<{ token: string; user: UserRow; session: SessionRow }> {
  const now = deps.clock.now();
  const token = randomToken();
  const session: SessionRow = {
    tokenHash: await sha256Hex(token),
    userId: user.id,
    csrfToken: randomToken(),
    createdAt: now,
    expiresAt: now + SESSION_IDLE_MS,
    lastSeenAt: now,
  };
  await deps.db.atomic([
    deps.repos.accounts.insertSession(session),
    ...alongside,
    deps.repos.accounts.deleteExpiredSessions(now),
    auditEntry(deps, userActor(user), { action: 'session.login', targetType: 'user', targetId: user.id }),
  ]);
  return { token, user, session };
}

/** A well-formed hash no password matches, so unknown accounts cost the same to check. */
const UNKNOWN_USER_HASH = 'pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The live session for a cookie token; extends it when it was last seen a while ago. */
export async function resumeSession(
  deps: AuthDeps,
  token: string,
): Promise<{ user: UserRow; session: SessionRow } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const now = deps.clock.now();
  const found = await deps.repos.accounts.findSession(await sha256Hex(token), now);
  if (!found) return undefined;
  // Sliding expiry, written at most every five minutes to keep reads cheap.
  if (now - found.session.lastSeenAt > 5 * MINUTE) {
    await deps.db.atomic([deps.repos.accounts.touchSession(found.session.tokenHash, now, now + SESSION_IDLE_MS)]);
  }
  return found;
}

export async function logout(deps: AuthDeps, token: string, actor: Actor): Promise<void> {
  await deps.db.atomic([
    deps.repos.accounts.deleteSession(await sha256Hex(token)),
    auditEntry(deps, actor, { action: 'session.logout' }),
  ]);
}

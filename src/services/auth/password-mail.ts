import { z } from 'zod';
import type { UserRow } from '../../db/schema.js';
import { HOUR } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { composeInviteEmail, composePasswordResetEmail, type ComposedEmail } from '../../mail/compose.js';
import type { MailTransport } from '../../mail/transport.js';
import { loadEmailPage } from '../settings/reads.js';
import { parseInput } from '../validation.js';
import { auditEntry, systemActor } from './actor.js';
import { Email, newPasswordLink, RESET_LINK_TTL_MS } from './accounts.js';
import { reserveAttempts } from './throttle.js';

/*
 * Password links by email: "Forgot your password?" on the sign-in page, and
 * the invitation or reset link an owner creates on the Team page. These are
 * transactional emails to team members, sent straight through `deps.mail`
 * (not the subscriber outbox, whose rows belong to subscribers).
 */

export type PasswordMailDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'views' | 'log' | 'defer'> & { mail: MailTransport };

/** Requests per client address, and emails per account, in FORGOT_WINDOW_MS. */
export const FORGOT_WINDOW_MS = HOUR;
export const FORGOT_LIMIT_PER_ADDRESS = 5;
export const FORGOT_EMAILS_PER_ACCOUNT = 3;

/** The longest wait before the one quick retry of a send the transport says to retry. */
const MAX_RETRY_WAIT_MS = 2_000;

/**
 * The "Forgot your password?" form. Throws only for invalid input
 * (ValidationError) or too many requests from one client address
 * (TooManyRequestsError), both decided without looking at any account.
 * Everything else (is there an account, is it enabled, has it had enough
 * emails this hour, the link and the email) runs after the response through
 * `deps.defer`, so the answer and its timing are the same for every address.
 * Asking ends no session: only using the link does.
 */
export async function requestPasswordReset(
  deps: PasswordMailDeps,
  raw: { email: unknown },
  client: { address: string; baseUrl: string },
): Promise<void> {
  const { email } = parseInput(z.object({ email: Email }), raw);
  const refused = await reserveAttempts(deps, [{ key: `forgot:${client.address}`, max: FORGOT_LIMIT_PER_ADDRESS }], FORGOT_WINDOW_MS);
  if (refused) {
    throw new TooManyRequestsError(
      'Too many password requests from your network. Try again in an hour, or ask an owner of this page.',
      refused.retryAfterSeconds,
    );
  }
  deps.defer(nextTurn().then(() => emailResetLink(deps, email, client.baseUrl)));
}

/** A later turn of the event loop: the answer is on its way before the deferred work even looks the address up. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The deferred half of the form: a link and an email for an enabled account under its hourly limit, nothing otherwise. */
async function emailResetLink(deps: PasswordMailDeps, email: string, baseUrl: string): Promise<void> {
  const user = await deps.repos.accounts.findUserByEmail(email);
  if (!user || user.disabledAt !== null) return;
  if (await reserveAttempts(deps, [{ key: `reset-email:${user.id}`, max: FORGOT_EMAILS_PER_ACCOUNT }], FORGOT_WINDOW_MS)) {
    deps.log.info('password email: hourly limit reached for the account, none sent', { userId: user.id });
    return;
  }
  const link = await newPasswordLink(deps, user.id);
  await deps.db.atomic([
    link.statement,
    auditEntry(deps, systemActor('forgot password form'), { action: 'user.reset_requested', targetType: 'user', targetId: user.id }),
  ]);
  const page = await loadEmailPage(deps, baseUrl);
  const message = composePasswordResetEmail(deps.views, page, user.email, { token: link.token, expiresAt: link.expiresAt, validForMs: RESET_LINK_TTL_MS });
  await send(deps, user, 'reset', message);
}

/**
 * Emails a link an owner just created on the Team page: an invitation for a
 * new member, a reset link otherwise. Returns whether the provider took it
 * (the page says so; the link is on it either way).
 */
export async function emailTeamLink(
  deps: PasswordMailDeps,
  kind: 'invite' | 'reset',
  user: UserRow,
  token: string,
  by: { name: string; roleLabel: string; baseUrl: string },
): Promise<boolean> {
  const link = { token, expiresAt: deps.clock.now() + RESET_LINK_TTL_MS, validForMs: RESET_LINK_TTL_MS };
  const page = await loadEmailPage(deps, by.baseUrl);
  const message =
    kind === 'invite'
      ? composeInviteEmail(deps.views, page, user.email, link, { name: user.name, roleLabel: by.roleLabel, invitedBy: by.name })
      : composePasswordResetEmail(deps.views, page, user.email, link, by.name);
  return send(deps, user, kind, message);
}

/** Sends one password email (a fresh idempotency key each: every link is a new email). */
async function send(deps: PasswordMailDeps, user: UserRow, kind: 'invite' | 'reset', email: ComposedEmail): Promise<boolean> {
  return sendTeamEmail(deps, email, { key: `herald-password/${newId()}`, log: { kind, userId: user.id }, what: 'password email' });
}

/**
 * Sends one email to a team member straight through `deps.mail` (not the
 * subscriber outbox), with one quick retry when the transport says to retry
 * (same idempotency key, so it is delivered at most once). Failures are
 * logged with `log` (never a link or a token); never throws for provider
 * trouble. Also the way out of the internal cadence reminder.
 */
export async function sendTeamEmail(
  deps: Pick<Deps, 'log'> & { mail: MailTransport },
  email: ComposedEmail,
  options: { key: string; log: Record<string, unknown>; what: string },
): Promise<boolean> {
  let outcome = await deps.mail.sendBatch([email], options.key);
  if (outcome.kind === 'retry') {
    const wait = Math.min(outcome.retryAfterMs ?? 500, MAX_RETRY_WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, wait));
    outcome = await deps.mail.sendBatch([email], options.key);
  }
  const result = outcome.kind === 'accepted' ? outcome.results[0] : outcome;
  if (result && 'id' in result) {
    deps.log.info(`${options.what} sent`, { ...options.log, transport: deps.mail.name, providerId: result.id });
    return true;
  }
  deps.log.error(`${options.what} not sent`, {
    ...options.log,
    transport: deps.mail.name,
    outcome: outcome.kind,
    error: result?.error ?? 'no answer for the email',
  });
  return false;
}

import { z } from 'zod';
import { DAY, HOUR } from '../../domain/calendar.js';
import { ROLES, type Role } from '../../domain/constants.js';
import type { Statement } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { hashPassword, randomToken, sha256Hex } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import { parseInput } from '../validation.js';
import { auditEntry, authorize, systemActor, type Actor } from './actor.js';

type AccountDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

export const SETUP_LINK_TTL_MS = HOUR;
export const RESET_LINK_TTL_MS = DAY;

export const Password = z
  .string()
  .min(12, { error: 'must be at least 12 characters' })
  .max(200, { error: 'must be at most 200 characters' });
export const Email = z.string().trim().toLowerCase().email({ error: 'must be an email address' }).max(254);
export const PersonName = z.string().trim().min(1, { error: 'is required' }).max(100);

export const CreateOwnerInput = z.object({ email: Email, password: Password, name: PersonName.default('Owner') });
export type CreateOwnerInput = z.input<typeof CreateOwnerInput>;

export const CreateUserInput = z.object({ email: Email, name: PersonName, role: z.enum(ROLES) });
export type CreateUserInput = z.input<typeof CreateUserInput>;

async function insertUser(deps: AccountDeps, input: { email: string; name: string; role: Role; password: string }): Promise<UserRow> {
  if (await deps.repos.accounts.findUserByEmail(input.email)) {
    throw new ConflictError(`There is already an account for ${input.email}.`);
  }
  const now = deps.clock.now();
  const user: UserRow = {
    id: newId(),
    email: input.email,
    name: input.name,
    role: input.role,
    passwordHash: await hashPassword(input.password),
    createdAt: now,
    updatedAt: now,
    disabledAt: null,
  };
  return user;
}

/** Creates an owner account (the command line's create-owner). */
export async function createOwner(deps: AccountDeps, raw: CreateOwnerInput, actor: Actor): Promise<UserRow> {
  authorize(actor, 'team:manage');
  const input = parseInput(CreateOwnerInput, raw);
  const user = await insertUser(deps, { ...input, role: 'owner' });
  await deps.db.atomic([
    deps.repos.accounts.insertUser(user),
    auditEntry(deps, actor, { action: 'user.create', targetType: 'user', targetId: user.id, details: { email: user.email, role: 'owner' } }),
  ]);
  return user;
}

/** A one-time link to create the first owner; only while nobody has an account. Returns the token. */
export async function createSetupLink(deps: AccountDeps): Promise<string | null> {
  if ((await deps.repos.accounts.countUsers()) > 0) return null;
  const token = randomToken();
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.accounts.insertOneTime({
      tokenHash: await sha256Hex(token),
      purpose: 'setup',
      userId: null,
      expiresAt: now + SETUP_LINK_TTL_MS,
      createdAt: now,
    }),
  ]);
  return token;
}

/** Whether a setup token is valid (exists, unused, unexpired, and still nobody has an account). */
export async function checkSetupToken(deps: AccountDeps, token: string): Promise<boolean> {
  if ((await deps.repos.accounts.countUsers()) > 0) return false;
  return (await deps.repos.accounts.findOneTime(await sha256Hex(token), 'setup', deps.clock.now())) !== undefined;
}

const SETUP_LINK_GONE = 'This setup link has expired or was already used. Restart Herald for a new one, or use npm run admin -- create-owner.';

/**
 * Creates the first owner with a setup link. The link is used up before any
 * other work, in one statement that also checks nobody has an account yet:
 * of any number of concurrent requests (with this link or another setup
 * link), exactly one goes on. Invalid input is refused before that, so a typo
 * does not spend the link.
 */
export async function completeSetup(deps: AccountDeps, token: string, raw: CreateOwnerInput): Promise<UserRow> {
  if (!(await checkSetupToken(deps, token))) throw new NotFoundError(SETUP_LINK_GONE);
  const input = parseInput(CreateOwnerInput, raw);
  if ((await deps.db.claim(deps.repos.accounts.consumeSetupLinks(await sha256Hex(token), deps.clock.now()))) === 0) {
    throw new NotFoundError(SETUP_LINK_GONE);
  }
  const user = await insertUser(deps, { ...input, role: 'owner' });
  await deps.db.atomic([
    deps.repos.accounts.insertUser(user),
    auditEntry(deps, systemActor('setup link'), { action: 'user.create', targetType: 'user', targetId: user.id, details: { email: user.email, role: 'owner', via: 'setup link' } }),
  ]);
  return user;
}

/**
 * A new password link for `userId`, valid for RESET_LINK_TTL_MS: the token to
 * hand over (or email), and the statement that stores only its hash. Creating
 * one ends no session; callers that should (an owner's reset) add that.
 */
export async function newPasswordLink(deps: Pick<Deps, 'repos' | 'clock'>, userId: string): Promise<{ token: string; expiresAt: number; statement: Statement }> {
  const token = randomToken();
  const now = deps.clock.now();
  const expiresAt = now + RESET_LINK_TTL_MS;
  const statement = deps.repos.accounts.insertOneTime({ tokenHash: await sha256Hex(token), purpose: 'password_reset', userId, expiresAt, createdAt: now });
  return { token, expiresAt, statement };
}

/**
 * Adds a team member. The owner gets a one-time link (shown once, and emailed
 * when they ask: routes/admin/team.ts); the new member chooses their own
 * password with it.
 */
export async function createUser(deps: AccountDeps, actor: Actor, raw: CreateUserInput): Promise<{ user: UserRow; link: string }> {
  authorize(actor, 'team:manage');
  const input = parseInput(CreateUserInput, raw);
  // An unusable random password until the member sets theirs.
  const user = await insertUser(deps, { ...input, password: randomToken() });
  const { token, statement } = await newPasswordLink(deps, user.id);
  await deps.db.atomic([
    deps.repos.accounts.insertUser(user),
    statement,
    auditEntry(deps, actor, { action: 'user.create', targetType: 'user', targetId: user.id, details: { email: user.email, role: user.role } }),
  ]);
  return { user, link: token };
}

/** The team, oldest member first. */
export async function listTeam(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<UserRow[]> {
  authorize(actor, 'team:manage');
  return deps.repos.accounts.listUsers();
}

/** One team member, for pages that act on them (e.g. the removal confirmation). */
export async function findMember(deps: Pick<Deps, 'repos'>, actor: Actor, userId: string): Promise<UserRow> {
  authorize(actor, 'team:manage');
  const user = await deps.repos.accounts.findUserById(userId);
  if (!user) throw new NotFoundError('No such team member.');
  return user;
}

/** A one-time link for a member to set a new password; their sessions end now. */
export async function createResetLink(deps: AccountDeps, actor: Actor, userId: string): Promise<string> {
  authorize(actor, 'team:manage');
  const user = await deps.repos.accounts.findUserById(userId);
  if (!user) throw new NotFoundError('No such team member.');
  const { token, statement } = await newPasswordLink(deps, userId);
  await deps.db.atomic([
    statement,
    deps.repos.accounts.deleteUserSessions(userId),
    auditEntry(deps, actor, { action: 'user.reset_password', targetType: 'user', targetId: userId }),
  ]);
  return token;
}

/** A password link for the account with this email (the command line's reset-password). */
export async function createResetLinkForEmail(
  deps: AccountDeps,
  actor: Actor,
  rawEmail: unknown,
): Promise<{ user: UserRow; link: string }> {
  const { email } = parseInput(z.object({ email: Email }), { email: rawEmail });
  const user = await deps.repos.accounts.findUserByEmail(email);
  if (!user) throw new NotFoundError(`There is no account for ${email}.`);
  return { user, link: await createResetLink(deps, actor, user.id) };
}

/** The account a password link is for, if the link is valid. */
export async function userForResetToken(deps: AccountDeps, token: string): Promise<UserRow | undefined> {
  const link = await deps.repos.accounts.findOneTime(await sha256Hex(token), 'password_reset', deps.clock.now());
  return link?.userId ? deps.repos.accounts.findUserById(link.userId) : undefined;
}

const PASSWORD_LINK_GONE = 'This link has expired or was already used. Ask an owner for a new one.';

/**
 * Sets a password with a one-time link (an invitation or a reset). The link is
 * used up first, and only the one request that changed its row goes on; a
 * password too short is refused before that and leaves the link usable.
 */
export async function setPasswordWithLink(deps: AccountDeps, token: string, rawPassword: unknown): Promise<UserRow> {
  const user = await userForResetToken(deps, token);
  if (!user) throw new NotFoundError(PASSWORD_LINK_GONE);
  const { password } = parseInput(z.object({ password: Password }), { password: rawPassword });
  const now = deps.clock.now();
  if ((await deps.db.claim(deps.repos.accounts.consumeOneTime(await sha256Hex(token), 'password_reset', now))) !== 1) {
    throw new NotFoundError(PASSWORD_LINK_GONE);
  }
  await deps.db.atomic([
    deps.repos.accounts.updateUser(user.id, { passwordHash: await hashPassword(password), updatedAt: now }),
    deps.repos.accounts.deleteUserSessions(user.id),
    auditEntry(deps, systemActor('password link'), { action: 'user.set_password', targetType: 'user', targetId: user.id }),
  ]);
  return user;
}

/** Owners cannot remove or demote the last owner: someone must always be able to manage the team. */
async function assertNotLastOwner(deps: AccountDeps, user: UserRow): Promise<void> {
  if (user.role !== 'owner') return;
  const owners = (await deps.repos.accounts.listUsers()).filter((u) => u.role === 'owner' && u.disabledAt === null);
  if (owners.length <= 1) throw new ValidationError('This is the last owner; make someone else owner first.');
}

export async function changeRole(deps: AccountDeps, actor: Actor, userId: string, rawRole: unknown): Promise<void> {
  authorize(actor, 'team:manage');
  const { role } = parseInput(z.object({ role: z.enum(ROLES) }), { role: rawRole });
  const user = await deps.repos.accounts.findUserById(userId);
  if (!user) throw new NotFoundError('No such team member.');
  if (role !== 'owner') await assertNotLastOwner(deps, user);
  await deps.db.atomic([
    deps.repos.accounts.updateUser(userId, { role, updatedAt: deps.clock.now() }),
    auditEntry(deps, actor, { action: 'user.change_role', targetType: 'user', targetId: userId, details: { from: user.role, to: role } }),
  ]);
}

export async function removeUser(deps: AccountDeps, actor: Actor, userId: string): Promise<void> {
  authorize(actor, 'team:manage');
  const user = await deps.repos.accounts.findUserById(userId);
  if (!user) throw new NotFoundError('No such team member.');
  await assertNotLastOwner(deps, user);
  await deps.db.atomic([
    deps.repos.accounts.deleteUser(userId),
    auditEntry(deps, actor, { action: 'user.remove', targetType: 'user', targetId: userId, details: { email: user.email } }),
  ]);
}

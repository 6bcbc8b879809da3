import { and, asc, count, eq, gt, isNull, lt, min, notExists, sql, type SQL } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import {
  apiTokens,
  loginAttempts,
  oneTimeTokens,
  sessions,
  users,
  type ApiTokenRow,
  type SessionRow,
  type UserRow,
} from '../schema.js';

export type NewUser = typeof users.$inferInsert;
export type UserPatch = Partial<Pick<NewUser, 'name' | 'role' | 'passwordHash' | 'disabledAt' | 'updatedAt'>>;
export type NewApiToken = typeof apiTokens.$inferInsert;
export type OneTimePurpose = 'setup' | 'password_reset';

/** Users, sessions, API tokens, one-time links and login throttling. */
export interface AccountsRepo {
  countUsers(): Promise<number>;
  listUsers(): Promise<UserRow[]>;
  findUserById(id: string): Promise<UserRow | undefined>;
  findUserByEmail(email: string): Promise<UserRow | undefined>;
  insertUser(row: NewUser): Statement;
  updateUser(id: string, patch: UserPatch): Statement;
  deleteUser(id: string): Statement;

  insertSession(row: SessionRow): Statement;
  /** A live session and its user; expired or unknown gives undefined. */
  findSession(tokenHash: string, now: number): Promise<{ session: SessionRow; user: UserRow } | undefined>;
  touchSession(tokenHash: string, lastSeenAt: number, expiresAt: number): Statement;
  deleteSession(tokenHash: string): Statement;
  deleteUserSessions(userId: string): Statement;
  deleteExpiredSessions(now: number): Statement;

  insertApiToken(row: NewApiToken): Statement;
  listApiTokens(): Promise<ApiTokenRow[]>;
  findApiToken(tokenHash: string): Promise<ApiTokenRow | undefined>;
  markApiTokenUsed(id: string, at: number): Statement;
  revokeApiToken(id: string, at: number): Statement;

  insertOneTime(row: typeof oneTimeTokens.$inferInsert): Statement;
  findOneTime(tokenHash: string, purpose: OneTimePurpose, now: number): Promise<typeof oneTimeTokens.$inferSelect | undefined>;
  /**
   * Marks a valid (unused, unexpired) link used; for `db.claim`: it changes one
   * row for exactly one of any number of concurrent callers, none once used.
   */
  consumeOneTime(tokenHash: string, purpose: OneTimePurpose, now: number): Statement;
  /**
   * Uses up every setup link at once, provided `tokenHash` is a valid one and
   * nobody has an account yet (checked in the same statement): two different
   * setup links used together still create one owner.
   */
  consumeSetupLinks(tokenHash: string, now: number): Statement;

  /**
   * Counts an attempt under each key (one row per key), only if every key has
   * fewer than its `max` attempts after `since`: count and insert are one
   * statement, so concurrent attempts cannot all pass the check. For
   * `db.claim`: it changes `limits.length` rows, or 0 when refused.
   */
  reserveAttempts(limits: readonly AttemptLimit[], at: number, since: number): Statement;
  /** How many attempts `key` has after `since`, and when the oldest of them was made (the next to leave the window). */
  attemptsSince(key: string, since: number): Promise<{ count: number; oldest: number | null }>;
  /** Takes back one attempt (a successful sign-in does not count against its address). */
  releaseAttempt(key: string, at: number): Statement;
  clearFailedLogins(key: string): Statement;
  /** Forgets attempts made before `before` (for `db.claim`: returns how many). */
  pruneAttempts(before: number): Statement;
}

export interface AttemptLimit {
  key: string;
  max: number;
}

export function accountsRepo(orm: Orm): AccountsRepo {
  return {
    async countUsers() {
      const row = await orm.select({ n: count() }).from(users).get();
      return row?.n ?? 0;
    },
    async listUsers() {
      return orm.select().from(users).orderBy(asc(users.createdAt)).all();
    },
    async findUserById(id) {
      return orm.select().from(users).where(eq(users.id, id)).get();
    },
    async findUserByEmail(email) {
      return orm.select().from(users).where(eq(users.email, email.toLowerCase())).get();
    },
    insertUser(row) {
      return orm.insert(users).values({ ...row, email: row.email.toLowerCase() });
    },
    updateUser(id, patch) {
      return orm.update(users).set(patch).where(eq(users.id, id));
    },
    deleteUser(id) {
      return orm.delete(users).where(eq(users.id, id));
    },

    insertSession(row) {
      return orm.insert(sessions).values(row);
    },
    async findSession(tokenHash, now) {
      const row = await orm
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), isNull(users.disabledAt)))
        .get();
      return row ?? undefined;
    },
    touchSession(tokenHash, lastSeenAt, expiresAt) {
      return orm.update(sessions).set({ lastSeenAt, expiresAt }).where(eq(sessions.tokenHash, tokenHash));
    },
    deleteSession(tokenHash) {
      return orm.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
    },
    deleteUserSessions(userId) {
      return orm.delete(sessions).where(eq(sessions.userId, userId));
    },
    deleteExpiredSessions(now) {
      return orm.delete(sessions).where(lt(sessions.expiresAt, now));
    },

    insertApiToken(row) {
      return orm.insert(apiTokens).values(row);
    },
    async listApiTokens() {
      return orm.select().from(apiTokens).orderBy(asc(apiTokens.createdAt)).all();
    },
    async findApiToken(tokenHash) {
      return orm.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).get();
    },
    markApiTokenUsed(id, at) {
      return orm.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
    },
    revokeApiToken(id, at) {
      return orm.update(apiTokens).set({ revokedAt: at }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
    },

    insertOneTime(row) {
      return orm.insert(oneTimeTokens).values(row);
    },
    async findOneTime(tokenHash, purpose, now) {
      return orm
        .select()
        .from(oneTimeTokens)
        .where(usableOneTime(tokenHash, purpose, now))
        .get();
    },
    consumeOneTime(tokenHash, purpose, now) {
      return orm
        .update(oneTimeTokens)
        .set({ usedAt: now })
        .where(usableOneTime(tokenHash, purpose, now));
    },
    consumeSetupLinks(tokenHash, now) {
      const valid = sql`exists (select 1 from ${oneTimeTokens} where ${oneTimeTokens.tokenHash} = ${tokenHash}
        and ${oneTimeTokens.purpose} = 'setup' and ${oneTimeTokens.expiresAt} > ${now} and ${oneTimeTokens.usedAt} is null)`;
      return orm
        .update(oneTimeTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(oneTimeTokens.purpose, 'setup'),
            isNull(oneTimeTokens.usedAt),
            valid,
            notExists(orm.select({ one: sql`1` }).from(users)),
          ),
        );
    },

    reserveAttempts(limits, at, since) {
      const allBelow = sql.join(
        limits.map(
          ({ key, max }) =>
            sql`(select count(*) from ${loginAttempts} where ${loginAttempts.key} = ${key} and ${loginAttempts.at} > ${since}) < ${max}`,
        ),
        sql` and `,
      );
      const keys = JSON.stringify(limits.map((limit) => limit.key));
      return orm.insert(loginAttempts).select(sql`select null, value, ${at} from json_each(${keys}) where ${allBelow}`);
    },
    async attemptsSince(key, since) {
      const row = await orm
        .select({ count: count(), oldest: min(loginAttempts.at) })
        .from(loginAttempts)
        .where(and(eq(loginAttempts.key, key), gt(loginAttempts.at, since)))
        .get();
      return { count: row?.count ?? 0, oldest: row?.oldest ?? null };
    },
    releaseAttempt(key, at) {
      const one = orm
        .select({ id: loginAttempts.id })
        .from(loginAttempts)
        .where(and(eq(loginAttempts.key, key), eq(loginAttempts.at, at)))
        .limit(1);
      return orm.delete(loginAttempts).where(eq(loginAttempts.id, sql`(${one})`));
    },
    clearFailedLogins(key) {
      return orm.delete(loginAttempts).where(eq(loginAttempts.key, key));
    },
    pruneAttempts(before) {
      return orm.delete(loginAttempts).where(lt(loginAttempts.at, before));
    },
  };
}

/** A one-time token with this hash and purpose, not expired and not used yet. */
function usableOneTime(tokenHash: string, purpose: OneTimePurpose, now: number): SQL | undefined {
  return and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, purpose), gt(oneTimeTokens.expiresAt, now), isNull(oneTimeTokens.usedAt));
}

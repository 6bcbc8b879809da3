// D1 read replication through the Sessions API, per request, under a binding
// built once per isolate.
//
// The repositories prepare some statements once per isolate (the revision read),
// so the app cannot be handed a new D1 session per request. Instead it gets a
// router: a D1Database-shaped object whose statements remember their SQL and
// parameters and are prepared on the current request's session only when they
// run. Which session a request gets is the Worker entry's choice:
//
// - public reads: `first-unconstrained` (any replica may answer);
// - writes, the admin, the management API, the cron: `first-primary`;
// - a request carrying a bookmark (set after a write): that bookmark, so the
//   editor reads at least their own write (read-your-writes).
//
// It also counts the statements each request and the isolate send to D1.
import type { D1Database, D1DatabaseSession, D1PreparedStatement, D1Result } from '@cloudflare/workers-types';

export type SessionMode = 'first-unconstrained' | 'first-primary' | 'bookmark';

export interface RequestSession {
  mode: SessionMode;
  session: D1DatabaseSession;
  /** Statements this request sent to D1. */
  queries: number;
}

export interface D1Stats {
  /** Statements sent to D1 by this isolate (batches count each statement). */
  queries: number;
}

/** A bookmark is an opaque string from D1; this only keeps a cookie from carrying anything odd. */
const BOOKMARK = /^[A-Za-z0-9._:-]{1,200}$/;

export function isBookmark(value: string | undefined | null): value is string {
  return typeof value === 'string' && BOOKMARK.test(value);
}

/** AsyncLocalStorage's shape: the Worker entry passes one (node:async_hooks, `nodejs_als`). */
export interface SessionStore {
  run<T>(session: RequestSession, work: () => T): T;
  getStore(): RequestSession | undefined;
}

export class D1Sessions {
  readonly stats: D1Stats = { queries: 0 };
  /** What the app is given: statements go to the current request's session when they run. */
  readonly binding: D1Database;

  constructor(
    private readonly db: D1Database,
    private readonly store: SessionStore,
  ) {
    this.binding = routerBinding(this);
  }

  /** Runs `work` with a session of its own (constraint or bookmark). */
  run<T>(mode: SessionMode, bookmark: string | null, work: () => T): { session: RequestSession; result: T } {
    const constraint = mode === 'bookmark' && bookmark ? bookmark : mode === 'bookmark' ? 'first-primary' : mode;
    let d1Session: D1DatabaseSession;
    try {
      d1Session = this.db.withSession(constraint);
    } catch {
      // A bookmark D1 refuses (an old cookie, a made-up header): the primary is always at least as new.
      d1Session = this.db.withSession('first-primary');
    }
    const session: RequestSession = { mode, session: d1Session, queries: 0 };
    return { session, result: this.store.run(session, work) };
  }

  /** The current request's session; outside any (never in practice), a primary one of its own. */
  current(): RequestSession {
    return this.store.getStore() ?? { mode: 'first-primary', session: this.db.withSession('first-primary'), queries: 0 };
  }

  count(statements: number): void {
    this.stats.queries += statements;
    const current = this.store.getStore();
    if (current) current.queries += statements;
  }
}

/** A statement that is prepared on the session of the request that runs it. */
class RoutedStatement {
  constructor(
    private readonly sessions: D1Sessions,
    readonly sql: string,
    readonly params: unknown[],
  ) {}

  bind(...values: unknown[]): RoutedStatement {
    return new RoutedStatement(this.sessions, this.sql, values);
  }

  on(session: D1DatabaseSession): D1PreparedStatement {
    const statement = session.prepare(this.sql);
    return this.params.length > 0 ? statement.bind(...this.params) : statement;
  }

  private real(): D1PreparedStatement {
    this.sessions.count(1);
    return this.on(this.sessions.current().session);
  }

  first(column?: string): Promise<unknown> {
    return column === undefined ? this.real().first() : this.real().first(column);
  }
  run(): Promise<D1Result> {
    return this.real().run();
  }
  all(): Promise<D1Result> {
    return this.real().all();
  }
  raw(options?: { columnNames?: boolean }): Promise<unknown[]> {
    return this.real().raw(options as { columnNames?: false });
  }
}

function routerBinding(sessions: D1Sessions): D1Database {
  const binding = {
    prepare: (sql: string) => new RoutedStatement(sessions, sql, []),
    batch: (statements: RoutedStatement[]) => {
      sessions.count(statements.length);
      const { session } = sessions.current();
      return session.batch(statements.map((statement) => statement.on(session)));
    },
    exec: () => Promise.reject(new Error('exec() is not used by Herald: migrations are applied by wrangler')),
    withSession: () => {
      throw new Error('the router binding is already a session');
    },
    dump: () => Promise.reject(new Error('dump() is not supported')),
  };
  return binding as unknown as D1Database;
}

import { desc, lt } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { auditLog, type AuditRow } from '../schema.js';

export type NewAuditEntry = typeof auditLog.$inferInsert;

export interface AuditRepo {
  insert(row: NewAuditEntry): Statement;
  /** Newest first; `before` is the id to page from. */
  list(options: { limit: number; before?: number }): Promise<AuditRow[]>;
}

export function auditRepo(orm: Orm): AuditRepo {
  return {
    insert(row) {
      return orm.insert(auditLog).values(row);
    },
    async list({ limit, before }) {
      return orm
        .select()
        .from(auditLog)
        .where(before ? lt(auditLog.id, before) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(limit)
        .all();
    },
  };
}

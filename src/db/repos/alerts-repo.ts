import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { DraftStatus } from '../../domain/constants.js';
import type { Orm, Statement } from '../database.js';
import { alertDrafts, alertRules, alerts, incidents, type AlertDraftRow, type AlertRow, type AlertRuleRow } from '../schema.js';

export type NewAlertRule = typeof alertRules.$inferInsert;
export type AlertRulePatch = Partial<Omit<NewAlertRule, 'id' | 'createdAt'>> & { updatedAt: number };
export type NewAlertDraft = typeof alertDrafts.$inferInsert;
export type AlertDraftPatch = Partial<Omit<NewAlertDraft, 'id' | 'createdAt'>> & { updatedAt: number };
export type NewAlert = typeof alerts.$inferInsert;

/** A draft with the incident declared from it, if any. */
export interface DraftWithIncident extends AlertDraftRow {
  incidentId: string | null;
  incidentStatus: string | null;
}

/** Statuses in which a draft still waits for a person. */
export const WAITING_DRAFT_STATUSES = ['open', 'acknowledged'] as const satisfies readonly DraftStatus[];

/** Alert rules, draft incidents and alert episodes (issue 16). */
export interface AlertsRepo {
  listRules(): Promise<AlertRuleRow[]>;
  findRule(id: string): Promise<AlertRuleRow | undefined>;
  insertRule(row: NewAlertRule): Statement;
  updateRule(id: string, patch: AlertRulePatch): Statement;
  deleteRule(id: string): Statement;

  findDraft(id: string): Promise<DraftWithIncident | undefined>;
  /** The draft open under `openKey` (see domain/alerts.ts draftOpenKey). */
  findOpenDraft(openKey: string): Promise<DraftWithIncident | undefined>;
  /** Drafts waiting for a person (open, acknowledged), oldest first. */
  listWaitingDrafts(): Promise<DraftWithIncident[]>;
  /** The most recent drafts of any status, newest first. */
  listRecentDrafts(limit: number): Promise<DraftWithIncident[]>;
  /** The draft an incident was declared from. */
  draftOfIncident(incidentId: string): Promise<AlertDraftRow | undefined>;
  insertDraft(row: NewAlertDraft): Statement;
  updateDraft(id: string, patch: AlertDraftPatch): Statement;
  /** Closes the draft to new alerts, if it is still open under `openKey` (a claim). */
  closeDraftKey(id: string, openKey: string, now: number): Statement;
  /**
   * Records who acknowledged a draft, unless someone already did (a claim: the
   * first acknowledgement is what the metrics measure); an open draft becomes acknowledged.
   */
  claimAcknowledgement(id: string, at: number, by: string): Statement;
  /** Marks a draft escalated unless it was already, or someone acknowledged it (a claim). */
  claimEscalation(id: string, now: number): Statement;
  /** Unacknowledged drafts suggesting SEV-1/2 created at or before `before`, not yet escalated. */
  listEscalationDue(before: number): Promise<AlertDraftRow[]>;

  /** The firing alert under "<source>:<key>", if any. */
  findFiring(firingKey: string): Promise<AlertRow | undefined>;
  /** A draft's alerts, oldest first. */
  alertsOf(draftId: string): Promise<AlertRow[]>;
  /** Alerts still firing that moved a component's status (a rule's auto status). */
  firingWithAutoStatus(): Promise<AlertRow[]>;
  insertAlert(row: NewAlert): Statement;
  /** Ends a firing episode (a claim: a resolution delivered twice ends it once). */
  resolveAlert(id: string, endsAt: number, now: number): Statement;
  /** How many of a draft's alerts still fire. */
  countFiring(draftId: string): Promise<number>;
  /**
   * Closes a waiting draft (open, acknowledged) as resolved on its own when
   * none of its alerts fires any more (one conditional statement: safe when
   * two resolutions race).
   */
  closeQuietDraft(id: string, now: number): Statement;
}

export function alertsRepo(orm: Orm): AlertsRepo {
  const selectDrafts = () =>
    orm
      .select({ draft: alertDrafts, incidentId: incidents.id, incidentStatus: incidents.status })
      .from(alertDrafts)
      .leftJoin(incidents, eq(incidents.alertDraftId, alertDrafts.id));
  const flatten = (row: { draft: AlertDraftRow; incidentId: string | null; incidentStatus: string | null }): DraftWithIncident => ({
    ...row.draft,
    incidentId: row.incidentId,
    incidentStatus: row.incidentStatus,
  });

  return {
    async listRules() {
      return orm.select().from(alertRules).orderBy(asc(alertRules.position), asc(alertRules.createdAt)).all();
    },
    async findRule(id) {
      return orm.select().from(alertRules).where(eq(alertRules.id, id)).get();
    },
    insertRule(row) {
      return orm.insert(alertRules).values(row);
    },
    updateRule(id, patch) {
      return orm.update(alertRules).set(patch).where(eq(alertRules.id, id));
    },
    deleteRule(id) {
      return orm.delete(alertRules).where(eq(alertRules.id, id));
    },

    async findDraft(id) {
      const row = await selectDrafts().where(eq(alertDrafts.id, id)).get();
      return row && flatten(row);
    },
    async findOpenDraft(openKey) {
      const row = await selectDrafts().where(eq(alertDrafts.openKey, openKey)).get();
      return row && flatten(row);
    },
    async listWaitingDrafts() {
      const rows = await selectDrafts()
        .where(inArray(alertDrafts.status, WAITING_DRAFT_STATUSES))
        .orderBy(asc(alertDrafts.createdAt), asc(alertDrafts.id))
        .all();
      return rows.map(flatten);
    },
    async listRecentDrafts(limit) {
      const rows = await selectDrafts().orderBy(desc(alertDrafts.createdAt), desc(alertDrafts.id)).limit(limit).all();
      return rows.map(flatten);
    },
    async draftOfIncident(incidentId) {
      const row = await orm
        .select({ draft: alertDrafts })
        .from(incidents)
        .innerJoin(alertDrafts, eq(alertDrafts.id, incidents.alertDraftId))
        .where(eq(incidents.id, incidentId))
        .get();
      return row?.draft;
    },
    insertDraft(row) {
      return orm.insert(alertDrafts).values(row);
    },
    updateDraft(id, patch) {
      return orm.update(alertDrafts).set(patch).where(eq(alertDrafts.id, id));
    },
    closeDraftKey(id, openKey, now) {
      return orm
        .update(alertDrafts)
        .set({ openKey: null, updatedAt: now })
        .where(and(eq(alertDrafts.id, id), eq(alertDrafts.openKey, openKey)));
    },
    claimAcknowledgement(id, at, by) {
      return orm
        .update(alertDrafts)
        .set({
          acknowledgedAt: at,
          acknowledgedBy: by,
          status: sql<DraftStatus>`case when ${alertDrafts.status} = 'open' then 'acknowledged' else ${alertDrafts.status} end`,
          updatedAt: at,
        })
        .where(and(eq(alertDrafts.id, id), isNull(alertDrafts.acknowledgedAt)));
    },
    claimEscalation(id, now) {
      return orm
        .update(alertDrafts)
        .set({ escalatedAt: now, updatedAt: now })
        .where(and(eq(alertDrafts.id, id), isNull(alertDrafts.escalatedAt), eq(alertDrafts.status, 'open')));
    },
    async listEscalationDue(before) {
      return orm
        .select()
        .from(alertDrafts)
        .where(
          and(
            eq(alertDrafts.status, 'open'),
            isNull(alertDrafts.escalatedAt),
            isNotNull(alertDrafts.severity),
            lte(alertDrafts.severity, 2),
            lte(alertDrafts.createdAt, before),
          ),
        )
        .orderBy(asc(alertDrafts.createdAt))
        .all();
    },

    async findFiring(firingKey) {
      return orm.select().from(alerts).where(eq(alerts.firingKey, firingKey)).get();
    },
    async alertsOf(draftId) {
      return orm.select().from(alerts).where(eq(alerts.draftId, draftId)).orderBy(asc(alerts.startsAt), asc(alerts.id)).all();
    },
    async firingWithAutoStatus() {
      return orm
        .select()
        .from(alerts)
        .where(and(isNotNull(alerts.firingKey), isNotNull(alerts.autoStatuses)))
        .all();
    },
    insertAlert(row) {
      return orm.insert(alerts).values(row);
    },
    resolveAlert(id, endsAt, now) {
      return orm
        .update(alerts)
        .set({ status: 'resolved', firingKey: null, endsAt, resolvedReceivedAt: now })
        .where(and(eq(alerts.id, id), eq(alerts.status, 'firing')));
    },
    async countFiring(draftId) {
      const row = await orm
        .select({ n: sql<number>`count(*)` })
        .from(alerts)
        .where(and(eq(alerts.draftId, draftId), eq(alerts.status, 'firing')))
        .get();
      return Number(row?.n ?? 0);
    },
    closeQuietDraft(id, now) {
      return orm
        .update(alertDrafts)
        .set({ status: 'resolved', openKey: null, closedAt: now, updatedAt: now })
        .where(
          and(
            eq(alertDrafts.id, id),
            inArray(alertDrafts.status, WAITING_DRAFT_STATUSES),
            sql`not exists (select 1 from ${alerts} where ${alerts.draftId} = ${id} and ${alerts.status} = 'firing')`,
          ),
        );
    },
  };
}

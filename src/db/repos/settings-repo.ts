import { eq, sql } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { meta, settings, type SettingsRow } from '../schema.js';

export type NewSettings = typeof settings.$inferInsert;
export type SettingsPatch = Partial<
  Pick<
    NewSettings,
    'name' | 'url' | 'timeZone' | 'logoUrl' | 'accentColor' | 'internalCadence' | 'internalReminders' | 'alertEscalationMinutes' | 'alertEscalationUserIds' | 'postmortemDueHours' | 'postmortemTemplate' | 'componentNotifications' | 'componentFlapWindowSeconds' | 'channelDisableAfterHours'
  >
> & {
  updatedAt: number;
};

export interface SettingsRepo {
  get(): Promise<SettingsRow | undefined>;
  insert(row: NewSettings): Statement;
  update(patch: SettingsPatch): Statement;
  /** Bumped by triggers on every change to public content. */
  revision(): Promise<string>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Statement;
}

export function settingsRepo(orm: Orm): SettingsRepo {
  // Every public request reads the revision: prepared once, not rebuilt and recompiled per request.
  const revisionQuery = orm
    .select({ value: meta.value })
    .from(meta)
    .where(eq(meta.key, sql.placeholder('key')))
    .prepare();
  const getMeta = async (key: string): Promise<string | undefined> => {
    const row = await orm.select({ value: meta.value }).from(meta).where(eq(meta.key, key)).get();
    return row?.value;
  };
  return {
    async get() {
      return orm.select().from(settings).where(eq(settings.id, 1)).get();
    },
    insert(row) {
      return orm.insert(settings).values({ ...row, id: 1 });
    },
    update(patch) {
      return orm.update(settings).set(patch).where(eq(settings.id, 1));
    },
    async revision() {
      const row = (await revisionQuery.get({ key: 'revision' })) as { value: string } | undefined;
      return row?.value ?? '0';
    },
    getMeta,
    setMeta(key, value) {
      return orm.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } });
    },
  };
}

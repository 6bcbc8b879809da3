import { asc, eq } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { templates, type TemplateRow } from '../schema.js';

export type NewTemplate = typeof templates.$inferInsert;
export type TemplatePatch = Partial<Pick<NewTemplate, 'name' | 'audience' | 'kind' | 'status' | 'title' | 'body' | 'position' | 'updatedAt'>>;

export interface TemplatesRepo {
  list(): Promise<TemplateRow[]>;
  findById(id: string): Promise<TemplateRow | undefined>;
  insert(row: NewTemplate): Statement;
  update(id: string, patch: TemplatePatch): Statement;
  delete(id: string): Statement;
}

export function templatesRepo(orm: Orm): TemplatesRepo {
  return {
    async list() {
      return orm.select().from(templates).orderBy(asc(templates.kind), asc(templates.position), asc(templates.name)).all();
    },
    async findById(id) {
      return orm.select().from(templates).where(eq(templates.id, id)).get();
    },
    insert(row) {
      return orm.insert(templates).values(row);
    },
    update(id, patch) {
      return orm.update(templates).set(patch).where(eq(templates.id, id));
    },
    delete(id) {
      return orm.delete(templates).where(eq(templates.id, id));
    },
  };
}

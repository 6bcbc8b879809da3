import { asc, desc, eq } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { destinationDeliveries, destinations, type DestinationDeliveryRow, type DestinationRow } from '../schema.js';

export type NewDestination = typeof destinations.$inferInsert;
export type DestinationPatch = Partial<Omit<NewDestination, 'id' | 'createdAt'>> & { updatedAt: number };
export type NewDelivery = typeof destinationDeliveries.$inferInsert;

/** The company's own channels and what each wants (the drainer's queries: deliveries-repo.ts). */
export interface DestinationsRepo {
  list(): Promise<DestinationRow[]>;
  findById(id: string): Promise<DestinationRow | undefined>;
  insert(row: NewDestination): Statement;
  update(id: string, patch: DestinationPatch): Statement;
  delete(id: string): Statement;
  /** Queues one message to one destination (in the write that publishes what it announces). */
  insertDelivery(row: NewDelivery): Statement;
  /** A destination's delivery log, newest first. */
  deliveriesOf(destinationId: string, limit: number): Promise<DestinationDeliveryRow[]>;
}

export function destinationsRepo(orm: Orm): DestinationsRepo {
  return {
    async list() {
      return orm.select().from(destinations).orderBy(asc(destinations.name), asc(destinations.id)).all();
    },
    async findById(id) {
      return orm.select().from(destinations).where(eq(destinations.id, id)).get();
    },
    insert(row) {
      return orm.insert(destinations).values(row);
    },
    update(id, patch) {
      return orm.update(destinations).set(patch).where(eq(destinations.id, id));
    },
    delete(id) {
      return orm.delete(destinations).where(eq(destinations.id, id));
    },
    insertDelivery(row) {
      return orm.insert(destinationDeliveries).values(row);
    },
    async deliveriesOf(destinationId, limit) {
      return orm
        .select()
        .from(destinationDeliveries)
        .where(eq(destinationDeliveries.destinationId, destinationId))
        .orderBy(desc(destinationDeliveries.id))
        .limit(limit)
        .all();
    },
  };
}

import type { ActionItemListRow, PostmortemListRow } from '../../db/repos/postmortems-repo.js';
import { postmortemUrgency, type PostmortemUrgency } from '../../domain/postmortem.js';
import type { Deps } from '../../deps.js';
import { authorize, type Actor } from '../auth/actor.js';

/*
 * Postmortems and action items across incidents (issue 17): what the
 * dashboard shows (postmortems not yet published with their due dates,
 * overdue P0/P1 action items) and the owners the action item list filters by.
 */

export interface DuePostmortem extends PostmortemListRow {
  urgency: PostmortemUrgency;
}

export interface PostmortemsAtAGlance {
  /** Postmortems not yet published internally, soonest due first (overdue ones first of all). */
  postmortems: DuePostmortem[];
  /** Open P0 and P1 action items past their due date, most overdue first. */
  overdueItems: ActionItemListRow[];
}

/** The most the dashboard lists of each: more is a backlog for the lists, not a glance. */
const AT_A_GLANCE_MAX = 50;

export async function postmortemsAtAGlance(deps: Pick<Deps, 'repos'>, actor: Actor, now: number): Promise<PostmortemsAtAGlance> {
  authorize(actor, 'admin:read');
  const [open, overdue] = await Promise.all([
    deps.repos.postmortems.listOpenDue(),
    deps.repos.postmortems.listActionItems({ overdueAt: now }, 500),
  ]);
  return {
    postmortems: open.slice(0, AT_A_GLANCE_MAX).map((p) => ({ ...p, urgency: postmortemUrgency(p.dueAt!, null, now) })),
    overdueItems: overdue.filter((item) => item.priority === 'P0' || item.priority === 'P1').slice(0, AT_A_GLANCE_MAX),
  };
}

export interface OwnerChoice {
  id: string;
  name: string;
}

/** The team members an action item can be owned by (enabled accounts), by name: the owner filter's choices. */
export async function actionItemOwners(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<OwnerChoice[]> {
  authorize(actor, 'admin:read');
  const users = await deps.repos.accounts.listUsers();
  return users
    .filter((u) => u.disabledAt === null)
    .map((u) => ({ id: u.id, name: u.name || u.email }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

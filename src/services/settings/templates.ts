import { z } from 'zod';
import { ANY_INCIDENT_STATUSES, INCIDENT_KINDS, INCIDENT_STATUS_LABELS, TEMPLATE_AUDIENCES } from '../../domain/constants.js';
import { isIncidentStatus, isMaintenanceStatus } from '../../domain/lifecycle.js';
import type { TemplateRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN, newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput } from '../validation.js';

type TemplateDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

const PLACEHOLDER_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/**
 * What is wrong with the {{placeholders}} of a text, one message each (empty
 * when they are all well formed). A malformed one such as "{{affected
 * service}}" would not be recognized as a placeholder, so it could slip past
 * the "unfilled placeholder" guard and reach customers: refuse it here.
 */
export function placeholderSyntaxProblems(text: string): string[] {
  const problems: string[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    const close = text.indexOf('}}', i);
    if (open === -1 && close === -1) break;
    if (open === -1 || (close !== -1 && close < open)) {
      problems.push(`"}}" near "${excerpt(text, close)}" has no opening "{{"`);
      i = close + 2;
      continue;
    }
    const end = text.indexOf('}}', open + 2);
    const nextOpen = text.indexOf('{{', open + 2);
    if (end === -1 || (nextOpen !== -1 && nextOpen < end)) {
      problems.push(`"{{" near "${excerpt(text, open)}" is not closed with "}}"`);
      i = open + 2;
      continue;
    }
    const name = text.slice(open + 2, end).trim();
    if (!PLACEHOLDER_NAME.test(name)) {
      problems.push(
        `{{${text.slice(open + 2, end)}}} is not a valid placeholder: use letters, digits and underscores, starting with a letter, e.g. {{affected_service}}`,
      );
    }
    i = end + 2;
  }
  return problems;
}

function excerpt(text: string, at: number): string {
  return text.slice(Math.max(0, at - 10), at + 12).replace(/\s+/g, ' ');
}

const placeholderSyntax = (text: string, ctx: z.RefinementCtx): void => {
  for (const problem of placeholderSyntaxProblems(text)) ctx.addIssue({ code: 'custom', message: problem, input: text });
};

export const TemplateInput = z
  .object({
    name: z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
    /** public (the page, feeds, email) unless said otherwise; internal: the company's own channels. */
    audience: z.enum(TEMPLATE_AUDIENCES, { error: 'must be public or internal' }).default('public'),
    kind: z.enum(INCIDENT_KINDS, { error: 'must be incident or maintenance' }),
    status: z.enum(ANY_INCIDENT_STATUSES, { error: 'must be a lifecycle step' }),
    /** Used for the first update only (the incident's or maintenance's title). Blank for none. */
    title: z.string().trim().max(200, { error: 'must be at most 200 characters' }).superRefine(placeholderSyntax).optional(),
    body: z
      .string()
      .trim()
      .min(1, { error: 'is required' })
      .max(20_000, { error: 'must be at most 20,000 characters' })
      .superRefine(placeholderSyntax),
  })
  .superRefine((t, ctx) => {
    const fits = t.kind === 'incident' ? isIncidentStatus(t.status) : isMaintenanceStatus(t.status);
    if (t.audience === 'internal' && t.kind !== 'incident') {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'internal templates are for incidents (maintenance is not announced inside)' });
    } else if (!fits) {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message: `${INCIDENT_STATUS_LABELS[t.status]} is not a step of ${t.kind === 'incident' ? 'an incident' : 'a maintenance'}`,
      });
    }
  });
export type TemplateInput = z.input<typeof TemplateInput>;

/** Every template, for anyone who may read the admin side. */
export async function listTemplates(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<TemplateRow[]> {
  authorize(actor, 'admin:read');
  return deps.repos.templates.list();
}

/** Only the templates for the public page, feeds and email: what the declare, update and maintenance forms offer. */
export function publicTemplates<T extends Pick<TemplateRow, 'audience'>>(rows: readonly T[]): T[] {
  return rows.filter((t) => t.audience === 'public');
}

/**
 * The templates for the company's own channels (declaration, internal
 * update, resolution), in their order: what the internal update form offers.
 */
export async function listInternalTemplates(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<TemplateRow[]> {
  authorize(actor, 'admin:read');
  return (await deps.repos.templates.list()).filter((t) => t.audience === 'internal');
}

export async function findTemplate(deps: Pick<Deps, 'repos'>, actor: Actor, id: string): Promise<TemplateRow> {
  authorize(actor, 'admin:read');
  const row = ID_PATTERN.test(id) ? await deps.repos.templates.findById(id) : undefined;
  if (!row) throw new NotFoundError('There is no template with this id (it may have been deleted).');
  return row;
}

/** Creates a template at the end of its lifecycle step's list. Returns its id. */
export async function createTemplate(deps: TemplateDeps, actor: Actor, raw: TemplateInput): Promise<string> {
  authorize(actor, 'templates:write');
  const input = parseInput(TemplateInput, raw);
  const existing = await deps.repos.templates.list();
  const position = existing.reduce((max, t) => Math.max(max, t.position), -1) + 1;
  const now = deps.clock.now();
  const id = newId();
  await deps.db.atomic([
    deps.repos.templates.insert({
      id,
      name: input.name,
      audience: input.audience,
      kind: input.kind,
      status: input.status,
      title: input.title || null,
      body: input.body,
      position,
      createdAt: now,
      updatedAt: now,
    }),
    auditEntry(deps, actor, {
      action: 'template.create',
      targetType: 'template',
      targetId: id,
      details: { name: input.name, audience: input.audience, kind: input.kind, status: input.status },
    }),
  ]);
  return id;
}

export async function updateTemplate(deps: TemplateDeps, actor: Actor, id: string, raw: TemplateInput): Promise<void> {
  authorize(actor, 'templates:write');
  const before = await findTemplate(deps, actor, id);
  // A caller that does not name the audience (an older API client) keeps the template's own.
  const input = parseInput(TemplateInput, { ...raw, audience: raw.audience ?? before.audience });
  await deps.db.atomic([
    deps.repos.templates.update(id, {
      name: input.name,
      audience: input.audience,
      kind: input.kind,
      status: input.status,
      title: input.title || null,
      body: input.body,
      updatedAt: deps.clock.now(),
    }),
    auditEntry(deps, actor, {
      action: 'template.update',
      targetType: 'template',
      targetId: id,
      details: { name: input.name, audience: input.audience, kind: input.kind, status: input.status, previousName: before.name },
    }),
  ]);
}

/** Deletes a template. Published updates written from it keep their text. */
export async function deleteTemplate(deps: TemplateDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'templates:write');
  const row = await findTemplate(deps, actor, id);
  await deps.db.atomic([
    deps.repos.templates.delete(id),
    auditEntry(deps, actor, { action: 'template.delete', targetType: 'template', targetId: id, details: { name: row.name } }),
  ]);
}

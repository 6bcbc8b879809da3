import { z } from 'zod';
import { placeholdersIn } from '../domain/templates.js';
import { fieldMessages, ValidationError } from '../lib/errors.js';

/** Parses input with a zod schema, turning failures into a ValidationError with per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = fieldMessages();
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    (fields[key] ??= []).push(issue.message);
  }
  const summary = Object.entries(fields)
    .map(([key, messages]) => `${key}: ${messages.join(', ')}`)
    .join('; ');
  throw new ValidationError(`Invalid input (${summary})`, fields);
}

/**
 * The template placeholder values an update was written with (name -> value),
 * kept so the incident's next update starts from them. Blank values are dropped.
 */
export const PlaceholderValues = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, { error: 'must be a placeholder name' }), z.string().max(2_000))
  .refine((values) => Object.keys(values).length <= 50, { error: 'at most 50 placeholders' })
  .transform((values): Record<string, string> | null => {
    const kept = Object.entries(values).filter(([, value]) => value.trim() !== '');
    return kept.length ? Object.fromEntries(kept.map(([name, value]) => [name, value.trim()])) : null;
  });

export const Timestamp = z.number().int().min(0).max(8.64e15);
export const PublicId = z.string().regex(/^[a-z0-9]{6,32}$/, { error: 'must be a Herald id' });

/**
 * Refuses to publish text that still holds a template placeholder, naming
 * each one, so "{{impact}}" never reaches customers by accident.
 */
export function assertNoPlaceholders(fields: Record<string, string | null | undefined>): void {
  const problems: Record<string, string[]> = {};
  for (const [field, text] of Object.entries(fields)) {
    const names = placeholdersIn(text ?? '');
    if (names.length) problems[field] = [`fill in ${names.map((n) => `{{${n}}}`).join(', ')}`];
  }
  const all = Object.values(problems).flat();
  if (all.length) {
    const names = [...new Set(Object.values(fields).flatMap((text) => placeholdersIn(text ?? '')))];
    throw new ValidationError(
      `Not published: the text still has unfilled placeholders (${names.map((n) => `{{${n}}}`).join(', ')}). Fill them in or remove them.`,
      problems,
    );
  }
}

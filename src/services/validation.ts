import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';

/** Parses input with a zod schema, turning failures into a ValidationError with per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    (fields[key] ??= []).push(issue.message);
  }
  const summary = Object.entries(fields)
    .map(([key, messages]) => `${key}: ${messages.join(', ')}`)
    .join('; ');
  throw new ValidationError(`Invalid input (${summary})`, fields);
}

export const Timestamp = z.number().int().min(0).max(8.64e15);
export const PublicId = z.string().regex(/^[a-z0-9]{6,32}$/, { error: 'must be a Herald id' });

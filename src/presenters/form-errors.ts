import type { AppError } from '../lib/errors.js';

/**
 * A refusal as the form shows it: each field named as the form labels it
 * ("Message to customers", not "body"), its messages merged under that label.
 * The services keep their keys for the API; a message that only summed up
 * those keys ("Invalid input (body: ...)") becomes a sentence.
 */
export function formErrors(error: AppError, labels: Readonly<Record<string, string>>, nothing = 'Nothing was published.'): { message: string; fields?: Record<string, string[]> } {
  if (!error.fields) return { message: error.message };
  const fields: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(error.fields)) {
    const label = labels[key] ?? labels[key.split('.')[0]!] ?? key;
    fields[label] = [...new Set([...(fields[label] ?? []), ...messages])];
  }
  const message = error.message.startsWith('Invalid input') ? `${nothing} Check the fields below.` : error.message;
  return { message, fields };
}

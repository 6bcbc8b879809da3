/**
 * Update templates use {{placeholder}} names (letters, digits, underscores).
 * Filling is done field by field; text that still holds a placeholder must
 * never be published by accident.
 */

const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;

/** The distinct placeholder names in a text, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (m) => m[1]!))];
}

/**
 * The value typed for a placeholder. Own properties only: "{{constructor}}"
 * or "{{toString}}" must not find what every object inherits.
 */
export function placeholderValue(values: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = Object.hasOwn(values, name) ? values[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Replaces each placeholder that has a non-blank value; others stay as they are. */
export function fillTemplate(text: string, values: Readonly<Record<string, string | undefined>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = placeholderValue(values, name)?.trim();
    return value ? value : whole;
  });
}

/** Placeholders still in a text about to be published (empty when it is safe). */
export function unfilledPlaceholders(text: string): string[] {
  return placeholdersIn(text);
}

/** "affected_service" -> "Affected service", for form labels. */
export function placeholderLabel(name: string): string {
  const words = name.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

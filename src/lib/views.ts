import { Eta, type TemplateFunction } from 'eta/core';

export type { TemplateFunction };

/** Renders a named view (file name under views/ without .eta) with its data. */
export interface Views {
  render(name: string, data: object): string;
}

/** Eta settings shared by the runtime compiler (Node) and the build-time one (Workers). */
export const ETA_CONFIG = { autoEscape: true, useWith: false, varName: 'it', cache: true } as const;

/**
 * Views from templates given either as source (compiled here, on Node) or as
 * functions precompiled at build time (Workers forbid `new Function`). Names
 * are registered with Eta's "@" prefix so includes never touch a file system.
 */
export function createViews(templates: Record<string, string | TemplateFunction>): Views {
  const eta = new Eta(ETA_CONFIG);
  for (const [name, template] of Object.entries(templates)) eta.loadTemplate(`@${name}`, template);
  return {
    render(name, data) {
      return eta.render(`@${name}`, data);
    },
  };
}

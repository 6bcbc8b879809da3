import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { ValidationError } from '../lib/errors.js';
import { presentPage } from '../presenters/page.js';
import { loadSettings } from '../services/settings/reads.js';

/*
 * What the public subscription pages share (email: subscribe.ts; webhook and
 * chat: subscribe-channels.ts): form parsing, the component choice, the page
 * frame, and the headers of pages whose URL holds a subscriber's token.
 */

/** Headers for every answer on a URL holding a subscriber's token (errors included). */
const TOKEN_PAGE_HEADERS: readonly (readonly [string, string])[] = [
  ['Cache-Control', 'no-store'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Robots-Tag', 'noindex'],
];

export const tokenPageHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of TOKEN_PAGE_HEADERS) c.res.headers.set(name, value);
};

/** A form value given once: a repeated field keeps its first value; a missing one is ''. */
export const single = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')));

/** A form value that may repeat (checkboxes): always an array. */
export const repeated = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

/** Ids as the form sends them; anything that cannot be an id is an unknown component, so it is dropped. */
export const idList = repeated.transform((values) => [...new Set(values.filter((v) => /^[a-z0-9]{6,32}$/.test(v)))].slice(0, 500));

/** A checkbox: ticked when sent with any value. */
export const checkbox = single.transform((value) => value !== '');

export const ScopeForm = z.object({
  scope: single.pipe(
    z
      .enum(['', 'all', 'some'], { error: 'choose "All components" or "Only these"' })
      .transform((value) => value !== 'some'),
  ),
  componentIds: idList,
  groupIds: idList,
});

/** The component choice as the forms show it. */
export interface Choice {
  all: boolean;
  componentIds: string[];
  groupIds: string[];
}

export const ALL_COMPONENTS: Choice = { all: true, componentIds: [], groupIds: [] };

export interface ScopeOptions {
  groups: { id: string; name: string; components: { id: string; name: string }[] }[];
  ungrouped: { id: string; name: string }[];
}

/** The visible components, under their groups (a group with nothing visible is not offered). */
export async function scopeOptions(deps: Deps): Promise<ScopeOptions> {
  const [components, groups] = await Promise.all([deps.repos.components.list(), deps.repos.components.listGroups()]);
  const visible = components.filter((c) => !c.hidden);
  return {
    groups: groups
      .map((g) => ({
        id: g.id,
        name: g.name,
        components: visible.filter((c) => c.groupId === g.id).map((c) => ({ id: c.id, name: c.name })),
      }))
      .filter((g) => g.components.length > 0),
    ungrouped: visible
      .filter((c) => !c.groupId || !groups.some((g) => g.id === c.groupId))
      .map((c) => ({ id: c.id, name: c.name })),
  };
}

/** The message for the component choice, from a service's field messages. */
export function scopeMessage(text: string): string {
  return /^choose at least one/.test(text) ? 'Choose at least one component or group, or "All components".' : `Components: ${text}.`;
}

export function isScopeField(key: string): boolean {
  return key === 'scope' || key.startsWith('scope') || key.startsWith('componentIds') || key.startsWith('groupIds');
}

/** Parses a form with zod; a malformed form is a ValidationError like any other. */
export function parseForm<S extends z.ZodType>(schema: S, form: Record<string, string | string[]>): z.output<S> {
  const result = schema.safeParse(form);
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) (fields[String(issue.path[0] ?? '_')] ??= []).push(issue.message);
  throw new ValidationError('The form was not sent correctly. Check it and send it again.', fields);
}

export async function pageData(deps: Deps, title: string): Promise<{ page: ReturnType<typeof presentPage>; title: string }> {
  const settings = await loadSettings(deps);
  return { page: presentPage(settings), title: `${title} · ${settings.name}` };
}

/** Messages next to the fields of a form (by field name) and for the form as a whole. */
export interface FormErrors {
  summary: string;
  fields: Record<string, string | undefined>;
}

/** Longest typed value shown back in a form (the services refuse longer ones anyway). */
const MAX_ECHOED_EMAIL = 320;
const MAX_ECHOED_URL = 2_100;

export interface EmailFormState {
  email: string;
  choice: Choice;
  componentUpdates: boolean;
  errors?: FormErrors;
}

export interface ChannelFormState {
  type: string;
  url: string;
  contactEmail: string;
  choice: Choice;
  errors?: FormErrors;
}

export const EMPTY_EMAIL_FORM: EmailFormState = { email: '', choice: ALL_COMPONENTS, componentUpdates: false };
export const EMPTY_CHANNEL_FORM: ChannelFormState = { type: '', url: '', contactEmail: '', choice: ALL_COMPONENTS };

/** The subscribe page: the email form and the webhook/chat form, each with what was typed and its errors. */
export async function subscribePage(
  deps: Deps,
  state: { emailForm?: EmailFormState; channelForm?: ChannelFormState } = {},
): Promise<string> {
  const settings = await loadSettings(deps);
  const emailForm = state.emailForm ?? EMPTY_EMAIL_FORM;
  const channelForm = state.channelForm ?? EMPTY_CHANNEL_FORM;
  return deps.views.render('subscribe', {
    ...(await pageData(deps, 'Subscribe to updates')),
    forms: true,
    mailEnabled: deps.mail !== null,
    componentNotifications: settings.componentNotifications,
    options: await scopeOptions(deps),
    email: emailForm.email.slice(0, MAX_ECHOED_EMAIL),
    choice: emailForm.choice,
    componentUpdates: emailForm.componentUpdates,
    errors: emailForm.errors,
    channel: {
      type: channelForm.type,
      url: channelForm.url.slice(0, MAX_ECHOED_URL),
      contactEmail: channelForm.contactEmail.slice(0, MAX_ECHOED_EMAIL),
      choice: channelForm.choice,
      errors: channelForm.errors,
    },
  });
}

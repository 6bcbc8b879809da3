import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { SubscriberRow } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { DAY } from '../domain/calendar.js';
import { retryAfterHeader, TooManyRequestsError, ValidationError } from '../lib/errors.js';
import { presentPage } from '../presenters/page.js';
import { loadSettings } from '../services/settings/reads.js';
import { confirmSubscription, scopeNames, subscribe, subscriberByToken, unsubscribe, updatePreferences } from '../services/subscribers/subscriptions.js';
import { formOf } from './admin/context.js';
import { HTML, sendCached } from './cached.js';

/*
 * The public side of email subscriptions (double opt-in). Every page works
 * without JavaScript. Pages reached through a subscriber's link carry the
 * link token in their URL, so they are never cached and never send a
 * Referer. Links in emails only ever show a page with a button: a GET changes
 * nothing (mail scanners follow links), a POST does the work. POST
 * /unsubscribe/:token is RFC 8058's one-click unsubscribe: no cookie, no
 * CSRF token, any body.
 */

/** Headers for every answer on a URL holding a subscriber's token (errors included). */
const TOKEN_PAGE_HEADERS: readonly (readonly [string, string])[] = [
  ['Cache-Control', 'no-store'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Robots-Tag', 'noindex'],
];

const tokenPageHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of TOKEN_PAGE_HEADERS) c.res.headers.set(name, value);
};

/** A form value given once: a repeated field keeps its first value; a missing one is ''. */
const single = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')));

/** A form value that may repeat (checkboxes): always an array. */
const repeated = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

/** Ids as the form sends them; anything that cannot be an id is an unknown component, so it is dropped. */
const idList = repeated.transform((values) => [...new Set(values.filter((v) => /^[a-z0-9]{6,32}$/.test(v)))].slice(0, 500));

const ScopeForm = z.object({
  scope: single.pipe(
    z
      .enum(['', 'all', 'some'], { error: 'choose "All components" or "Only these"' })
      .transform((value) => value !== 'some'),
  ),
  componentIds: idList,
  groupIds: idList,
});

/** Longest typed address shown back in the form (the service refuses anything over 254 anyway). */
const MAX_ECHOED_EMAIL = 320;

const SubscribeForm = ScopeForm.extend({ email: single.transform((value) => value.slice(0, 10_000)) });

/** The component choice as the form shows it. */
interface Choice {
  all: boolean;
  componentIds: string[];
  groupIds: string[];
}

/** Messages next to the fields ("email", "scope") and for the form as a whole. */
interface FormErrors {
  summary: string;
  fields: { email?: string; scope?: string };
}

interface ScopeOptions {
  groups: { id: string; name: string; components: { id: string; name: string }[] }[];
  ungrouped: { id: string; name: string }[];
}

/** The visible components, under their groups (a group with nothing visible is not offered). */
async function scopeOptions(deps: Deps): Promise<ScopeOptions> {
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

/** Turns a service's ValidationError into messages for the fields of these forms. */
function formErrors(error: ValidationError): FormErrors {
  const fields: FormErrors['fields'] = {};
  for (const [key, messages] of Object.entries(error.fields ?? {})) {
    const text = messages.join(', ');
    if (key === 'email' || key.startsWith('email.')) fields.email = `Email address ${text}.`;
    else if (key === 'scope' || key.startsWith('scope') || key.startsWith('componentIds') || key.startsWith('groupIds')) {
      fields.scope = /^choose at least one/.test(text) ? 'Choose at least one component or group, or "All components".' : `Components: ${text}.`;
    }
  }
  const known = Object.keys(fields).length > 0;
  return { summary: known ? 'Please check the form:' : error.message, fields };
}

/** Parses a form with zod; a malformed form is a ValidationError like any other. */
function parseForm<S extends z.ZodType>(schema: S, form: Record<string, string | string[]>): z.output<S> {
  const result = schema.safeParse(form);
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) (fields[String(issue.path[0] ?? '_')] ??= []).push(issue.message);
  throw new ValidationError('The form was not sent correctly. Check it and send it again.', fields);
}

async function pageData(deps: Deps, title: string): Promise<{ page: ReturnType<typeof presentPage>; title: string }> {
  const settings = await loadSettings(deps);
  return { page: presentPage(settings), title: `${title} · ${settings.name}` };
}

const STATUS_TEXT: Record<SubscriberRow['status'], string> = {
  pending: 'Waiting for you to confirm it',
  confirmed: 'Subscribed',
  unsubscribed: 'Unsubscribed',
  suppressed: 'Stopped: emails to this address bounced or were reported as spam',
};

export function subscriberRoutes(deps: Deps): Hono {
  const app = new Hono();
  app.use('/subscribe/confirm/*', tokenPageHeaders);
  app.use('/subscriptions/*', tokenPageHeaders);
  app.use('/unsubscribe/*', tokenPageHeaders);

  /** The subscribe form (or, without email, the feeds only), with what was typed and any errors. */
  async function renderForm(
    c: Context,
    state: { email: string; choice: Choice; errors?: FormErrors; notice?: string },
    status: 200 | 400 | 404 | 429 = 200,
  ): Promise<Response> {
    const body = deps.views.render('subscribe', {
      ...(await pageData(deps, 'Subscribe to updates')),
      forms: true,
      mailEnabled: deps.mail !== null,
      options: await scopeOptions(deps),
      email: state.email.slice(0, MAX_ECHOED_EMAIL),
      choice: state.choice,
      errors: state.errors,
      notice: state.notice,
    });
    c.header('Cache-Control', 'no-store');
    return c.html(body, status);
  }

  app.get('/subscribe', (c) =>
    sendCached(c, deps, 'page:/subscribe', async (now) => {
      const body = deps.views.render('subscribe', {
        ...(await pageData(deps, 'Subscribe to updates')),
        forms: true,
        mailEnabled: deps.mail !== null,
        options: await scopeOptions(deps),
        email: '',
        choice: { all: true, componentIds: [], groupIds: [] },
      });
      // Changes with the components (the revision) and whether mail is set up (a restart).
      return { body, contentType: HTML, validUntil: now + DAY };
    }),
  );

  app.post('/subscribe', async (c) => {
    if (deps.mail === null) return renderForm(c, { email: '', choice: { all: true, componentIds: [], groupIds: [] } }, 404);
    const form = await formOf(c);
    let state: { email: string; choice: Choice } = {
      email: single.parse(form.email),
      choice: { all: true, componentIds: [], groupIds: [] },
    };
    try {
      const input = parseForm(SubscribeForm, form);
      state = { email: input.email, choice: { all: input.scope, componentIds: input.componentIds, groupIds: input.groupIds } };
      await subscribe(deps, { email: input.email, scope: state.choice }, deps.clientAddress(c.req.raw, c.env));
    } catch (error) {
      if (error instanceof ValidationError) return renderForm(c, { ...state, errors: formErrors(error) }, 400);
      if (error instanceof TooManyRequestsError) {
        for (const [name, value] of Object.entries(retryAfterHeader(error))) c.header(name, value);
        return renderForm(c, { ...state, errors: { summary: error.message, fields: {} } }, 429);
      }
      throw error;
    }
    // The same answer whatever the address's state: nothing here may tell them apart.
    const body = deps.views.render('subscribe-sent', { ...(await pageData(deps, 'Check your inbox')), forms: true });
    c.header('Cache-Control', 'no-store');
    return c.html(body, 200);
  });

  /* ---- Confirmation (double opt-in) ---- */

  app.get('/subscribe/confirm/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await subscriberByToken(deps, token);
    return c.html(
      deps.views.render('subscribe-confirm', {
        ...(await pageData(deps, subscriber.status === 'confirmed' ? 'You’re subscribed' : 'Confirm your subscription')),
        forms: true,
        token,
        email: subscriber.email,
        status: subscriber.status,
      }),
    );
  });

  app.post('/subscribe/confirm/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await confirmSubscription(deps, token);
    return c.html(
      deps.views.render('subscription-confirmed', {
        ...(await pageData(deps, 'You’re subscribed')),
        forms: true,
        token,
        email: subscriber.email,
        scope: await scopeNames(deps, subscriber),
      }),
    );
  });

  /* ---- Manage preferences ---- */

  async function renderManage(
    c: Context,
    token: string,
    subscriber: SubscriberRow,
    extra: { choice?: Choice; errors?: FormErrors; saved?: { all: boolean; names: string[] } } = {},
    status: 200 | 400 = 200,
  ): Promise<Response> {
    const active = subscriber.status === 'pending' || subscriber.status === 'confirmed';
    const choice = extra.choice ?? (await deps.repos.subscribers.scopeOf(subscriber.id));
    return c.html(
      deps.views.render('subscription-manage', {
        ...(await pageData(deps, 'Your subscription')),
        forms: true,
        token,
        email: subscriber.email,
        status: subscriber.status,
        statusText: STATUS_TEXT[subscriber.status],
        active,
        options: active ? await scopeOptions(deps) : null,
        choice,
        errors: extra.errors,
        saved: extra.saved,
      }),
      status,
    );
  }

  app.get('/subscriptions/:token', async (c) => {
    const token = c.req.param('token');
    return renderManage(c, token, await subscriberByToken(deps, token));
  });

  app.post('/subscriptions/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await subscriberByToken(deps, token);
    // Someone who left (or whose address bounces) subscribes again through the form, with a new confirmation.
    if (subscriber.status !== 'pending' && subscriber.status !== 'confirmed') return renderManage(c, token, subscriber);
    const form = await formOf(c);
    let choice: Choice | undefined;
    try {
      const input = parseForm(ScopeForm, form);
      choice = { all: input.scope, componentIds: input.componentIds, groupIds: input.groupIds };
      await updatePreferences(deps, token, choice);
    } catch (error) {
      if (error instanceof ValidationError) return renderManage(c, token, subscriber, { choice, errors: formErrors(error) }, 400);
      throw error;
    }
    return renderManage(c, token, subscriber, { saved: await scopeNames(deps, subscriber) });
  });

  /* ---- Unsubscribe ---- */

  app.get('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await subscriberByToken(deps, token);
    return c.html(
      deps.views.render('unsubscribe', {
        ...(await pageData(deps, 'Unsubscribe')),
        forms: true,
        token,
        email: subscriber.email,
        subscribed: subscriber.status === 'pending' || subscriber.status === 'confirmed',
      }),
    );
  });

  // RFC 8058 one-click: the body ("List-Unsubscribe=One-Click", or anything else) is not read.
  app.post('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await unsubscribe(deps, token);
    return c.html(
      deps.views.render('unsubscribe-done', {
        ...(await pageData(deps, 'You’re unsubscribed')),
        forms: true,
        token,
        email: subscriber.email,
      }),
    );
  });

  return app;
}

import { Hono, type Context } from 'hono';
import type { SubscriberRow } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { DAY } from '../domain/calendar.js';
import { retryAfterHeader, TooManyRequestsError, ValidationError } from '../lib/errors.js';
import { loadSettings } from '../services/settings/reads.js';
import { confirmSubscription, scopeNames, subscribe, subscriberByToken, unsubscribe, updatePreferences } from '../services/subscribers/subscriptions.js';
import { formOf } from './admin/context.js';
import { HTML, sendCached } from './cached.js';
import { channelSubscriberRoutes } from './subscribe-channels.js';
import {
  ALL_COMPONENTS,
  checkbox,
  isScopeField,
  pageData,
  parseForm,
  ScopeForm,
  scopeMessage,
  scopeOptions,
  single,
  subscribePage,
  tokenPageHeaders,
  type Choice,
  type EmailFormState,
  type FormErrors,
} from './subscribe-forms.js';

/*
 * The public side of email subscriptions (double opt-in). Every page works
 * without JavaScript. Pages reached through a subscriber's link carry the
 * link token in their URL, so they are never cached and never send a
 * Referer. Links in emails only ever show a page with a button: a GET changes
 * nothing (mail scanners follow links), a POST does the work. POST
 * /unsubscribe/:token is RFC 8058's one-click unsubscribe: no cookie, no
 * CSRF token, any body.
 */

const SubscribeForm = ScopeForm.extend({ email: single.transform((value) => value.slice(0, 10_000)), componentUpdates: checkbox });
const PreferencesForm = ScopeForm.extend({ componentUpdates: checkbox });

/** Turns a service's ValidationError into messages for the fields of these forms. */
function formErrors(error: ValidationError): FormErrors {
  const fields: FormErrors['fields'] = {};
  for (const [key, messages] of Object.entries(error.fields ?? {})) {
    const text = messages.join(', ');
    if (key === 'email' || key.startsWith('email.')) fields.email = `Email address ${text}.`;
    else if (isScopeField(key)) fields.scope = scopeMessage(text);
  }
  const known = Object.keys(fields).length > 0;
  return { summary: known ? 'Please check the form:' : error.message, fields };
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
  app.route('/', channelSubscriberRoutes(deps));

  /** The subscribe page with what was typed in the email form and its errors. */
  async function renderForm(c: Context, state: EmailFormState, status: 200 | 400 | 404 | 429 = 200): Promise<Response> {
    c.header('Cache-Control', 'no-store');
    return c.html(await subscribePage(deps, { emailForm: state }), status);
  }

  app.get('/subscribe', (c) =>
    sendCached(c, deps, 'page:/subscribe', async (now) => {
      const body = await subscribePage(deps);
      // Changes with the components and settings (the revision) and whether mail is set up (a restart).
      return { body, contentType: HTML, validUntil: now + DAY };
    }),
  );

  app.post('/subscribe', async (c) => {
    if (deps.mail === null) return renderForm(c, { email: '', choice: ALL_COMPONENTS, componentUpdates: false }, 404);
    const form = await formOf(c);
    const offered = (await loadSettings(deps)).componentNotifications;
    let state: EmailFormState = { email: single.parse(form.email), choice: ALL_COMPONENTS, componentUpdates: false };
    try {
      const input = parseForm(SubscribeForm, form);
      state = {
        email: input.email,
        choice: { all: input.scope, componentIds: input.componentIds, groupIds: input.groupIds },
        componentUpdates: offered && input.componentUpdates,
      };
      await subscribe(
        deps,
        { email: input.email, scope: state.choice, ...(offered ? { componentUpdates: state.componentUpdates } : {}) },
        deps.clientAddress(c.req.raw, c.env),
      );
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
    extra: { choice?: Choice; componentUpdates?: boolean; errors?: FormErrors; saved?: { all: boolean; names: string[] } } = {},
    status: 200 | 400 = 200,
  ): Promise<Response> {
    const active = subscriber.status === 'pending' || subscriber.status === 'confirmed';
    const choice = extra.choice ?? (await deps.repos.subscribers.scopeOf(subscriber.id));
    const settings = await loadSettings(deps);
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
        componentNotifications: settings.componentNotifications,
        componentUpdates: extra.componentUpdates ?? subscriber.componentUpdates,
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
    const offered = (await loadSettings(deps)).componentNotifications;
    let choice: Choice | undefined;
    let componentUpdates: boolean | undefined;
    try {
      const input = parseForm(PreferencesForm, form);
      choice = { all: input.scope, componentIds: input.componentIds, groupIds: input.groupIds };
      // Only while the page offers component updates: a form without the checkbox leaves the choice alone.
      componentUpdates = offered ? input.componentUpdates : undefined;
      await updatePreferences(deps, token, choice, componentUpdates);
    } catch (error) {
      if (error instanceof ValidationError) return renderManage(c, token, subscriber, { choice, componentUpdates, errors: formErrors(error) }, 400);
      throw error;
    }
    return renderManage(c, token, await subscriberByToken(deps, token), { saved: await scopeNames(deps, subscriber) });
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

import { Hono, type Context } from 'hono';
import type { ChannelSubscriberRow } from '../db/schema.js';
import { CHANNEL_SUBSCRIBER_TYPE_LABELS } from '../domain/constants.js';
import { DAY } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { retryAfterHeader, TooManyRequestsError, ValidationError } from '../lib/errors.js';
import { urlHost } from '../lib/mask.js';
import {
  confirmChannel,
  channelSubscriberByToken,
  describeChannelHealth,
  reEnableChannel,
  subscribeChannel,
  unsubscribeChannel,
  updateChannelScope,
} from '../services/customer-channels/subscriptions.js';
import { MAX_ENDPOINT_URL_LENGTH } from '../services/customer-channels/endpoint-rules.js';
import { webhookExamples } from '../services/customer-channels/webhook-examples.js';
import { loadSettings } from '../services/settings/reads.js';
import { loadNames, namesOf } from '../services/subscribers/subscriptions.js';
import { formOf } from './admin/context.js';
import { baseUrlFor, originKey } from './base-url.js';
import { HTML, sendCached } from './cached.js';
import {
  ALL_COMPONENTS,
  isScopeField,
  pageData,
  parseForm,
  ScopeForm,
  scopeMessage,
  scopeOptions,
  single,
  subscribePage,
  tokenPageHeaders,
  type ChannelFormState,
  type Choice,
  type FormErrors,
} from './subscribe-forms.js';

/*
 * The public side of webhook, Slack, Microsoft Teams and Discord
 * subscriptions, built like the email one (subscribe.ts): the form on
 * /subscribe posts to /subscribe/channels; links in the contact's emails
 * only ever show a page with a button (GET changes nothing: chat apps and
 * mail scanners open links), a POST does the work; pages on a token's URL are
 * never cached and send no Referer. As for email subscribers, the token in
 * the URL is what authorizes a POST (there is no session, so no CSRF token),
 * and POST /subscribe/channels/unsubscribe/:token is a one-click unsubscribe
 * that reads no body. A chat webhook URL is a secret: pages show its host only.
 */

const ChannelForm = ScopeForm.extend({
  type: single,
  url: single.transform((value) => value.slice(0, MAX_ENDPOINT_URL_LENGTH + 1_000)),
  contactEmail: single.transform((value) => value.slice(0, 10_000)),
});

const FIELD_LABELS: Record<string, string> = { type: 'Type', url: 'Endpoint URL', contactEmail: 'Contact email' };

function channelFormErrors(error: ValidationError): FormErrors {
  const fields: FormErrors['fields'] = {};
  for (const [key, messages] of Object.entries(error.fields ?? {})) {
    const text = messages.join(', ');
    const field = key.split('.')[0]!;
    if (field === 'type') fields.type = 'Choose Webhook, Slack, Microsoft Teams or Discord.';
    else if (field in FIELD_LABELS) fields[field] = `${FIELD_LABELS[field]} ${text}.`;
    else if (isScopeField(key)) fields.scope = scopeMessage(text);
  }
  const known = Object.keys(fields).length > 0;
  return { summary: known ? 'Please check the form:' : error.message, fields };
}

const STATUS_TEXT: Record<ChannelSubscriberRow['status'], string> = {
  pending: 'Waiting for the contact to confirm it',
  confirmed: 'Subscribed',
  disabled: 'Disabled after failing deliveries',
};

/** What the pages show of a subscription (never its URL's path, never its secrets). */
function facts(subscriber: ChannelSubscriberRow) {
  return {
    type: subscriber.type,
    typeLabel: CHANNEL_SUBSCRIBER_TYPE_LABELS[subscriber.type],
    host: urlHost(subscriber.url),
    contactEmail: subscriber.contactEmail,
    status: subscriber.status,
    statusText: STATUS_TEXT[subscriber.status],
  };
}

async function scopeInWords(deps: Deps, subscriber: ChannelSubscriberRow): Promise<{ all: boolean; names: string[] }> {
  if (subscriber.allComponents) return { all: true, names: [] };
  return { all: false, names: namesOf({ componentIds: subscriber.componentIds, groupIds: subscriber.groupIds }, await loadNames(deps)) };
}

export function channelSubscriberRoutes(deps: Deps): Hono {
  const app = new Hono();
  app.use('/subscribe/channels/confirm/*', tokenPageHeaders);
  app.use('/subscribe/channels/manage/*', tokenPageHeaders);
  app.use('/subscribe/channels/unsubscribe/*', tokenPageHeaders);

  async function renderForm(c: Context, state: ChannelFormState, status: 400 | 404 | 429): Promise<Response> {
    c.header('Cache-Control', 'no-store');
    return c.html(await subscribePage(deps, { channelForm: state }), status);
  }

  app.post('/subscribe/channels', async (c) => {
    const empty: ChannelFormState = { type: '', url: '', contactEmail: '', choice: ALL_COMPONENTS };
    if (deps.mail === null) return renderForm(c, empty, 404);
    const mail = deps.mail;
    const form = await formOf(c);
    let state: ChannelFormState = { ...empty, url: single.parse(form.url), contactEmail: single.parse(form.contactEmail) };
    try {
      const input = parseForm(ChannelForm, form);
      const choice: Choice = { all: input.scope, componentIds: input.componentIds, groupIds: input.groupIds };
      state = { type: input.type, url: input.url, contactEmail: input.contactEmail, choice };
      await subscribeChannel(
        { ...deps, mail },
        { type: input.type, url: input.url, contactEmail: input.contactEmail, scope: choice },
        { address: deps.clientAddress(c.req.raw, c.env), baseUrl: baseUrlFor(deps, c, (await loadSettings(deps)).url) },
      );
    } catch (error) {
      if (error instanceof ValidationError) return renderForm(c, { ...state, errors: channelFormErrors(error) }, 400);
      if (error instanceof TooManyRequestsError) {
        for (const [name, value] of Object.entries(retryAfterHeader(error))) c.header(name, value);
        return renderForm(c, { ...state, errors: { summary: error.message, fields: {} } }, 429);
      }
      throw error;
    }
    // The same answer whatever is already subscribed: nothing here may tell them apart.
    c.header('Cache-Control', 'no-store');
    return c.html(deps.views.render('channel-subscribe-sent', { ...(await pageData(deps, 'Check the contact’s inbox')), forms: true }));
  });

  /* ---- Confirmation (double opt-in) ---- */

  app.get('/subscribe/channels/confirm/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await channelSubscriberByToken(deps, token);
    const title = subscriber.status === 'pending' ? 'Confirm your subscription' : 'Already confirmed';
    return c.html(deps.views.render('channel-confirm', { ...(await pageData(deps, title)), forms: true, token, ...facts(subscriber) }));
  });

  app.post('/subscribe/channels/confirm/:token', async (c) => {
    const token = c.req.param('token');
    const { subscriber, signingSecret } = await confirmChannel(deps, token);
    if (subscriber.status === 'pending') {
      return c.html(deps.views.render('channel-confirm', { ...(await pageData(deps, 'Confirm your subscription')), forms: true, token, ...facts(subscriber) }));
    }
    return c.html(
      deps.views.render('channel-confirmed', {
        ...(await pageData(deps, signingSecret ? 'Subscribed: your signing secret' : 'You’re subscribed')),
        forms: true,
        token,
        ...facts(subscriber),
        signingSecret,
        scope: await scopeInWords(deps, subscriber),
      }),
    );
  });

  /* ---- Manage ---- */

  async function renderManage(
    c: Context,
    token: string,
    subscriber: ChannelSubscriberRow,
    extra: { choice?: Choice; errors?: FormErrors; saved?: boolean; enabled?: boolean } = {},
    status: 200 | 400 = 200,
  ): Promise<Response> {
    const settings = await loadSettings(deps);
    return c.html(
      deps.views.render('channel-manage', {
        ...(await pageData(deps, 'Your subscription')),
        forms: true,
        token,
        ...facts(subscriber),
        health: describeChannelHealth(subscriber, settings.channelDisableAfterHours),
        options: await scopeOptions(deps),
        choice: extra.choice ?? { all: subscriber.allComponents, componentIds: subscriber.componentIds, groupIds: subscriber.groupIds },
        scope: await scopeInWords(deps, subscriber),
        errors: extra.errors,
        saved: extra.saved === true,
        enabled: extra.enabled === true,
      }),
      status,
    );
  }

  app.get('/subscribe/channels/manage/:token', async (c) => {
    const token = c.req.param('token');
    return renderManage(c, token, await channelSubscriberByToken(deps, token));
  });

  app.post('/subscribe/channels/manage/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await channelSubscriberByToken(deps, token);
    const form = await formOf(c);
    let choice: Choice | undefined;
    try {
      const input = parseForm(ScopeForm, form);
      choice = { all: input.scope, componentIds: input.componentIds, groupIds: input.groupIds };
      const saved = await updateChannelScope(deps, token, choice);
      return renderManage(c, token, saved, { saved: true });
    } catch (error) {
      if (error instanceof ValidationError) return renderManage(c, token, subscriber, { choice, errors: channelFormErrors(error) }, 400);
      throw error;
    }
  });

  app.post('/subscribe/channels/manage/:token/enable', async (c) => {
    const token = c.req.param('token');
    const before = await channelSubscriberByToken(deps, token);
    const after = await reEnableChannel(deps, token);
    return renderManage(c, token, after, { enabled: before.status === 'disabled' && after.status === 'confirmed' });
  });

  /* ---- Unsubscribe ---- */

  app.get('/subscribe/channels/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await channelSubscriberByToken(deps, token);
    return c.html(deps.views.render('channel-unsubscribe', { ...(await pageData(deps, 'Unsubscribe')), forms: true, token, ...facts(subscriber) }));
  });

  // One-click (RFC 8058 style): the body is not read.
  app.post('/subscribe/channels/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const subscriber = await unsubscribeChannel(deps, token);
    return c.html(deps.views.render('channel-unsubscribe-done', { ...(await pageData(deps, 'You’re unsubscribed')), forms: true, token, ...facts(subscriber) }));
  });

  /* ---- The webhook format ---- */

  app.get('/subscribe/webhooks', (c) =>
    sendCached(c, deps, `page:/subscribe/webhooks|${originKey(deps, c)}`, async (now) => {
      const settings = await loadSettings(deps);
      const base = baseUrlFor(deps, c, settings.url).replace(/\/+$/, '');
      const body = deps.views.render('channel-webhooks', {
        ...(await pageData(deps, 'Webhook notifications')),
        forms: true,
        examples: webhookExamples(settings.name, base),
        disableAfterHours: settings.channelDisableAfterHours,
        base,
      });
      return { body, contentType: HTML, validUntil: now + DAY };
    }),
  );

  return app;
}

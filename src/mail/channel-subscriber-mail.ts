import { CHANNEL_SUBSCRIBER_TYPE_LABELS, type ChannelSubscriberType } from '../domain/constants.js';
import type { Views } from '../lib/views.js';
import { oneLine } from '../lib/text.js';
import { emailContext, renderTransactionalEmail, type ComposedEmail, type EmailPage } from './frame.js';

/*
 * The emails a webhook or chat subscription's contact gets about the
 * subscription itself: "confirm it" and "it is already subscribed". Both name
 * the kind of endpoint and its host only: a chat webhook URL is a secret
 * (whoever has it can post to the channel), so its path never goes in an email.
 * Transactional (no list headers): the contact is not on a mailing list, and
 * the links go to /subscribe/channels/..., not the email subscribers' pages.
 */

export interface ChannelMailTarget {
  /** The contact's address. */
  email: string;
  /** "<id>.<secret>": the channel subscription's link token. */
  token: string;
  type: ChannelSubscriberType;
  /** The endpoint's host (and port when not the default), nothing more. */
  host: string;
}

/** What the subscription covers, in words. */
export interface ChannelMailScope {
  all: boolean;
  names: string[];
}

function contextFor(page: EmailPage, to: ChannelMailTarget) {
  const ctx = emailContext(page, { email: to.email, token: to.token });
  const manageUrl = `${ctx.base}/subscribe/channels/manage/${ctx.token}`;
  const unsubscribeUrl = `${ctx.base}/subscribe/channels/unsubscribe/${ctx.token}`;
  return { ctx: { ...ctx, unsubscribeUrl }, manageUrl, unsubscribeUrl, typeLabel: CHANNEL_SUBSCRIBER_TYPE_LABELS[to.type], host: oneLine(to.host) };
}

/** Asks the contact to confirm; nothing goes to the endpoint before they do. */
export function composeChannelConfirmEmail(views: Views, page: EmailPage, to: ChannelMailTarget, scope: ChannelMailScope): ComposedEmail {
  const { ctx, manageUrl, unsubscribeUrl, typeLabel, host } = contextFor(page, to);
  const names = scope.names.map(oneLine).filter(Boolean);
  const data = {
    ...ctx.common,
    manageUrl,
    unsubscribeUrl,
    subject: `Confirm ${typeLabel} updates from ${ctx.pageName}`,
    preheader: `One click to start sending ${ctx.pageName} status updates to ${typeLabel} (${host}).`,
    typeLabel,
    host,
    webhook: to.type === 'webhook',
    all: scope.all || names.length === 0,
    names,
    confirmUrl: `${ctx.base}/subscribe/channels/confirm/${ctx.token}`,
    reason: `You get this email because this address was given as the contact for a ${typeLabel} subscription on the ${ctx.pageName} status page.`,
    footerLinks: false,
  };
  return renderTransactionalEmail(views, 'channel-confirm', ctx, data);
}

/** Sent to the contact of a confirmed subscription when its endpoint is entered on the form again. */
export function composeChannelAlreadySubscribedEmail(views: Views, page: EmailPage, to: ChannelMailTarget): ComposedEmail {
  const { ctx, manageUrl, unsubscribeUrl, typeLabel, host } = contextFor(page, to);
  const data = {
    ...ctx.common,
    manageUrl,
    unsubscribeUrl,
    subject: `${typeLabel} updates from ${ctx.pageName}: already subscribed`,
    preheader: `This ${typeLabel} endpoint (${host}) is already subscribed to ${ctx.pageName} status updates. Nothing has changed.`,
    typeLabel,
    host,
    reason: `You get this email because this address is the contact for a ${typeLabel} subscription on the ${ctx.pageName} status page.`,
    footerLinks: true,
  };
  return renderTransactionalEmail(views, 'channel-already-subscribed', ctx, data);
}

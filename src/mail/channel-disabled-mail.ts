import { CHANNEL_SUBSCRIBER_TYPE_LABELS, type ChannelSubscriberType } from '../domain/constants.js';
import type { Views } from '../lib/views.js';
import { oneLine } from '../lib/text.js';
import { formatterFor } from '../presenters/format.js';
import { emailContext, renderTransactionalEmail, type ComposedEmail, type EmailPage } from './frame.js';

/*
 * "Your webhook was disabled": the one email a channel subscriber's contact
 * gets when its endpoint kept failing past the page's limit
 * (services/customer-channels/health.ts). It names the endpoint by type and
 * host only: a chat webhook's path is its secret.
 */

export interface DisabledEndpoint {
  type: ChannelSubscriberType;
  /** "hooks.slack.com": never the path. */
  host: string;
  failingSince: number;
  lastFailureStatus: number | null;
  lastFailureError: string | null;
  /** The manage page, where it is re-enabled: `${base}/subscribe/channels/manage/${token}`. */
  manageUrl: string;
}

export function composeChannelDisabledEmail(views: Views, page: EmailPage, to: string, endpoint: DisabledEndpoint): ComposedEmail {
  const ctx = emailContext(page, { email: to, token: '' });
  const label = CHANNEL_SUBSCRIBER_TYPE_LABELS[endpoint.type];
  const lastStatus = endpoint.lastFailureStatus === null ? null : String(endpoint.lastFailureStatus);
  // "HTTP 404" adds nothing to the status; a network error or a refusal says what happened.
  const error = oneLine(endpoint.lastFailureError ?? '');
  const lastError = error && error !== `HTTP ${lastStatus}` ? error : null;
  const kind = endpoint.type === 'webhook' ? 'webhook' : label;
  const data = {
    ...ctx.common,
    subject: `${label} notifications from ${ctx.pageName} were disabled`,
    preheader: `${label} at ${endpoint.host} kept failing, so ${ctx.pageName} stopped sending to it. Re-enable it when it works again.`,
    label,
    host: oneLine(endpoint.host),
    failingSince: formatterFor(page.timeZone).dateTime(endpoint.failingSince).text,
    lastStatus,
    lastError,
    manageUrl: endpoint.manageUrl,
    footerLinks: false,
    reason: `You get this email because ${ctx.to} is the contact of a ${kind} subscription to the ${ctx.pageName} status page.`,
  };
  return renderTransactionalEmail(views, 'channel-disabled', ctx, data);
}

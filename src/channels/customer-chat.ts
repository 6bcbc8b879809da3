import { markdownToText } from '../presenters/markdown-text.js';
import { customerMessage, subscriptionNote, type CustomerMessage, type CustomerTone } from './customer-message.js';
import type { CustomerDelivery, CustomerNotification } from './customer.js';
import { DISCORD_COLOURS, DISCORD_LIMITS, discordFields, type DiscordEmbed, type DiscordMessage } from './discord.js';
import { truncate } from './message.js';
import { SLACK_LIMITS, slackButtons, slackEscape, slackFactSections, slackMrkdwn, type SlackBlock, type SlackMessage } from './slack.js';
import { TEAMS_LIMITS, teamsActions, teamsCardMessage, teamsFactSet, type AdaptiveCard, type TeamsMessage, type TextColour } from './teams.js';

/*
 * A customer's Slack, Teams or Discord message (issue 18): the customer
 * wording of customer-message.ts, laid out with the same building blocks,
 * limits and escaping as the internal channels' messages (slack.ts,
 * teams.ts, discord.ts). Pure: the same notification and delivery give the
 * same bytes on every attempt.
 */

type CustomerLinks = Pick<CustomerDelivery, 'manageUrl' | 'unsubscribeUrl'>;

/** A Slack link `<url|label>`; Slack wants &, < and > in the URL escaped too. */
function slackLink(url: string, label: string): string {
  return `<${slackEscape(url)}|${slackEscape(label)}>`;
}

export function buildCustomerSlackMessage(n: CustomerNotification, delivery: CustomerLinks): SlackMessage {
  const m = customerMessage(n, delivery);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(m.title, SLACK_LIMITS.headerText), emoji: true } },
    { type: 'context', elements: [slackMrkdwn(`${m.pageName} · ${m.headline}`, SLACK_LIMITS.contextText)] },
  ];
  const body = markdownToText(m.text);
  if (body) blocks.push({ type: 'section', text: slackMrkdwn(body, SLACK_LIMITS.sectionText) });
  // Three blocks stay free for the divider, the buttons and the footer.
  blocks.push(...slackFactSections(m.facts, SLACK_LIMITS.blocks - blocks.length - 3));
  const buttons = slackButtons(m.links);
  if (buttons.length) blocks.push({ type: 'divider' }, { type: 'actions', elements: buttons });
  const footer = [slackMrkdwn(subscriptionNote(m), SLACK_LIMITS.contextText)];
  if (m.unsubscribeUrl && m.unsubscribeUrl.length <= SLACK_LIMITS.buttonUrl) footer.push({ type: 'mrkdwn', text: slackLink(m.unsubscribeUrl, 'Unsubscribe') });
  blocks.push({ type: 'context', elements: footer });
  return { text: slackMrkdwn(m.summary, SLACK_LIMITS.fallbackText).text, blocks };
}

const TEAMS_COLOURS: Record<CustomerTone, TextColour> = {
  good: 'Good',
  maintenance: 'Accent',
  critical: 'Attention',
  major: 'Warning',
  minor: 'Warning',
  none: 'Default',
};

/** Teams refuses a message over about 28 KB (UTF-8): the customer card keeps well under it. */
export const TEAMS_MAX_BYTES = 24_000;
const utf8Length = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

export function buildCustomerTeamsMessage(n: CustomerNotification, delivery: CustomerLinks): TeamsMessage {
  const m = customerMessage(n, delivery);
  const build = (facts: number, textLength: number): TeamsMessage => {
    const body: AdaptiveCard['body'] = [
      { type: 'TextBlock', text: truncate(`${m.pageName} · ${m.headline}`, TEAMS_LIMITS.title), wrap: true, size: 'Small', weight: 'Bolder', color: TEAMS_COLOURS[m.tone] },
      { type: 'TextBlock', text: truncate(m.title, TEAMS_LIMITS.title), wrap: true, size: 'Large', weight: 'Bolder', spacing: 'None' },
    ];
    const text = truncate(markdownToText(m.text), textLength);
    if (text) body.push({ type: 'TextBlock', text, wrap: true });
    if (facts) body.push(teamsFactSet(m.facts.slice(0, facts)));
    body.push({ type: 'TextBlock', text: truncate(subscriptionNote(m), TEAMS_LIMITS.title), wrap: true, size: 'Small', isSubtle: true });
    if (m.unsubscribeUrl) body.push({ type: 'TextBlock', text: `[Unsubscribe](${m.unsubscribeUrl})`, wrap: true, size: 'Small', isSubtle: true, spacing: 'None' });
    return teamsCardMessage(body, teamsActions(m.links));
  };
  // Characters are not bytes (東 is three): shorten the text to 2000, then drop trailing facts, then shorten on, until it fits.
  let facts = Math.min(m.facts.length, TEAMS_LIMITS.facts);
  let textLength: number = TEAMS_LIMITS.text;
  let message = build(facts, textLength);
  while (utf8Length(message) > TEAMS_MAX_BYTES && (facts > 1 || textLength > 200)) {
    if (textLength > 2000 || facts <= 1) textLength = Math.floor(textLength * 0.8);
    else facts -= 1;
    message = build(facts, textLength);
  }
  return message;
}

/**
 * Backslash-escapes what Discord's Markdown would read in a name (emphasis,
 * spoilers, code, masked links, mentions, a leading heading/quote/list mark).
 * The update's own text is Markdown by design and goes in as typed.
 */
export function discordEscape(text: string): string {
  return text.replace(/[\\`*_~|<>[\]]/g, '\\$&').replace(/^([#>+-])/, '\\$1');
}

const DISCORD_TONE_COLOURS: Record<CustomerTone, number> = {
  good: DISCORD_COLOURS.resolved,
  maintenance: DISCORD_COLOURS.test,
  critical: DISCORD_COLOURS[1],
  major: DISCORD_COLOURS[2],
  minor: DISCORD_COLOURS[3],
  none: DISCORD_COLOURS[4],
};

function discordLinksField(m: CustomerMessage): DiscordEmbed['fields'][number] | null {
  const links = [...m.links.map((link) => ({ ...link, label: discordEscape(link.label) })), ...(m.unsubscribeUrl ? [{ label: 'Unsubscribe', url: m.unsubscribeUrl }] : [])];
  const masked: string[] = [];
  for (const link of links) {
    const next = `[${link.label}](${link.url})`;
    if ([...masked, next].join(' · ').length > DISCORD_LIMITS.fieldValue) break;
    masked.push(next);
  }
  return masked.length ? { name: 'Links', value: masked.join(' · '), inline: false } : null;
}

export function buildCustomerDiscordMessage(n: CustomerNotification, delivery: CustomerLinks): DiscordMessage {
  const m = customerMessage(n, delivery);
  const title = truncate(discordEscape(m.title), DISCORD_LIMITS.title);
  const footer = truncate(`${m.pageName} · ${m.headline} · ${subscriptionNote(m)}`, DISCORD_LIMITS.footer);
  const links = discordLinksField(m);
  const reserved = title.length + footer.length + (links ? links.name.length + links.value.length : 0);
  const source = n.kind === 'incident' ? m.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim() : discordEscape(m.text);
  const description = truncate(source, Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - reserved));
  // The text first, then the links; facts fill what the 6000 total leaves, in order.
  const facts = m.facts.map((f) => ({ label: discordEscape(f.label), value: discordEscape(f.value) }));
  const fields = discordFields(facts, DISCORD_LIMITS.total - reserved - description.length).slice(0, DISCORD_LIMITS.fields - (links ? 1 : 0));
  if (links) fields.push(links);
  const embed: DiscordEmbed = {
    title,
    ...(m.links[0] ? { url: m.links[0].url } : {}),
    ...(description ? { description } : {}),
    color: DISCORD_TONE_COLOURS[m.tone],
    timestamp: m.timestamp,
    fields,
    footer: { text: footer },
  };
  return { embeds: [embed], allowed_mentions: { parse: [] } };
}

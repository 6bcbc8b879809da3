import { markdownToText } from '../presenters/markdown-text.js';
import {
  NOTIFICATION_HEADLINES,
  notificationFacts,
  notificationLinks,
  summaryLine,
  truncate,
  truncateEscaped,
  type Fact,
  type InternalNotification,
  type NamedLink,
} from './message.js';

/*
 * Slack incoming-webhook body: Block Kit blocks plus a plain `text`
 * fallback (what notifications and old clients show). Limits from Slack's
 * Block Kit reference: header text 150, section text 3000, section fields at
 * most 10 of 2000 each, button text 75 and URL 3000, context elements 10,
 * actions elements 25, 50 blocks a message. mrkdwn needs `&`, `<` and `>`
 * escaped, which also keeps typed text from forming `<!channel>` mentions or links.
 */

export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  contextElements: 10,
  contextText: 2000,
  actionsElements: 25,
  blocks: 50,
  /** Slack truncates `text` beyond 40,000; the fallback needs far less. */
  fallbackText: 3000,
} as const;

export type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' }
  | { type: 'actions'; elements: SlackButton[] };

export interface SlackButton {
  type: 'button';
  text: { type: 'plain_text'; text: string; emoji: boolean };
  url: string;
  action_id: string;
  style?: 'primary';
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Escapes the three characters Slack's mrkdwn (and `text`) treat as control characters. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mrkdwn text object: escaped, then cut to `max` without splitting an entity. */
export function slackMrkdwn(text: string, max: number): TextObject {
  return { type: 'mrkdwn', text: truncateEscaped(slackEscape(text), max) };
}

/** Label/value facts as sections of at most 10 fields, in at most `maxBlocks` sections. */
export function slackFactSections(facts: readonly Fact[], maxBlocks: number): SlackBlock[] {
  const sections: SlackBlock[] = [];
  for (let i = 0; i < facts.length && i / SLACK_LIMITS.fieldsPerSection < maxBlocks; i += SLACK_LIMITS.fieldsPerSection) {
    const fields = facts.slice(i, i + SLACK_LIMITS.fieldsPerSection).map((fact) => {
      const label = `*${truncateEscaped(slackEscape(fact.label), 200)}*\n`;
      return { type: 'mrkdwn' as const, text: label + truncateEscaped(slackEscape(fact.value), SLACK_LIMITS.fieldText - label.length) };
    });
    sections.push({ type: 'section', fields });
  }
  return sections;
}

/** Links as link buttons (the first one primary), within Slack's limits. */
export function slackButtons(links: readonly NamedLink[]): SlackButton[] {
  return links
    .filter((link) => link.url.length <= SLACK_LIMITS.buttonUrl)
    .slice(0, SLACK_LIMITS.actionsElements)
    .map((link, index) => ({
      type: 'button' as const,
      text: { type: 'plain_text' as const, text: truncate(link.label, SLACK_LIMITS.buttonText), emoji: true },
      url: link.url,
      action_id: `herald-link-${index}`,
      ...(index === 0 ? { style: 'primary' as const } : {}),
    }));
}

export function buildSlackMessage(n: InternalNotification, now: number): SlackMessage {
  const facts = notificationFacts(n, now);
  const body = markdownToText(n.text);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${n.severityLabel} · ${n.title}`, SLACK_LIMITS.headerText), emoji: true } },
    { type: 'context', elements: [slackMrkdwn(NOTIFICATION_HEADLINES[n.kind], SLACK_LIMITS.contextText)] },
  ];
  if (body) blocks.push({ type: 'section', text: slackMrkdwn(body, SLACK_LIMITS.sectionText) });

  // Two blocks stay free for the divider and the buttons.
  blocks.push(...slackFactSections(facts, SLACK_LIMITS.blocks - blocks.length - 2));

  const buttons = slackButtons(notificationLinks(n.links));
  if (buttons.length) {
    blocks.push({ type: 'divider' });
    blocks.push({ type: 'actions', elements: buttons });
  }

  return { text: truncateEscaped(slackEscape(summaryLine(n)), SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

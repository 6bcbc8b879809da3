import type { Severity } from '../domain/constants.js';
import { markdownToText } from '../presenters/markdown-text.js';
import { NOTIFICATION_HEADLINES, notificationFacts, notificationLinks, truncate, type Fact, type InternalNotification, type NamedLink } from './message.js';

/*
 * Microsoft Teams, through a Workflows (Power Automate) webhook: a message
 * with one Adaptive Card attachment. Version 1.4, the highest every Teams
 * client renders in a Workflows post; only 1.0-1.4 elements are used
 * (TextBlock, FactSet, Action.OpenUrl). The update's Markdown is sent as
 * plain text: TextBlock's own Markdown is a small subset, and plain text
 * reads the same everywhere. Teams refuses messages over about 28 KB, so
 * the text is capped well below that.
 */

export const TEAMS_CARD_VERSION = '1.4';
export const TEAMS_LIMITS = { title: 300, text: 10_000, factTitle: 200, factValue: 2_000, facts: 30, actions: 6 } as const;

export type TextColour = 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent';

export interface AdaptiveTextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Small' | 'Default' | 'Medium' | 'Large';
  weight?: 'Default' | 'Bolder';
  color?: TextColour;
  isSubtle?: boolean;
  spacing?: 'None' | 'Small' | 'Medium';
}

export interface AdaptiveFactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: typeof TEAMS_CARD_VERSION;
  body: (AdaptiveTextBlock | AdaptiveFactSet)[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams: { width: 'Full' };
}

export interface TeamsMessage {
  type: 'message';
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }];
}

const SEVERITY_COLOURS: Record<Severity, TextColour> = { 1: 'Attention', 2: 'Warning', 3: 'Accent', 4: 'Default' };

export function buildTeamsMessage(n: InternalNotification, now: number): TeamsMessage {
  const colour: TextColour = n.kind === 'resolution' ? 'Good' : SEVERITY_COLOURS[n.severity];
  const body: AdaptiveCard['body'] = [
    { type: 'TextBlock', text: `${n.severityLabel} · ${NOTIFICATION_HEADLINES[n.kind]}`, wrap: true, size: 'Small', weight: 'Bolder', color: colour },
    { type: 'TextBlock', text: truncate(n.title, TEAMS_LIMITS.title), wrap: true, size: 'Large', weight: 'Bolder', spacing: 'None' },
  ];
  const text = markdownToText(n.text);
  if (text) body.push({ type: 'TextBlock', text: truncate(text, TEAMS_LIMITS.text), wrap: true });
  body.push(teamsFactSet(notificationFacts(n, now)));
  return teamsCardMessage(body, teamsActions(notificationLinks(n.links)));
}

/** Label/value facts as one FactSet, within the caps. */
export function teamsFactSet(facts: readonly Fact[]): AdaptiveFactSet {
  return {
    type: 'FactSet',
    facts: facts
      .slice(0, TEAMS_LIMITS.facts)
      .map((fact) => ({ title: truncate(fact.label, TEAMS_LIMITS.factTitle), value: truncate(fact.value, TEAMS_LIMITS.factValue) })),
  };
}

/** Links as Action.OpenUrl buttons, at most six. */
export function teamsActions(links: readonly NamedLink[]): AdaptiveCard['actions'] {
  return links.slice(0, TEAMS_LIMITS.actions).map((link) => ({ type: 'Action.OpenUrl' as const, title: link.label, url: link.url }));
}

/** One Adaptive Card 1.4, full width, in the message a Workflows webhook takes. */
export function teamsCardMessage(body: AdaptiveCard['body'], actions: AdaptiveCard['actions']): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: TEAMS_CARD_VERSION,
          body,
          actions,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

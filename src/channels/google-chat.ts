import { markdownToText } from '../presenters/markdown-text.js';
import { NOTIFICATION_HEADLINES, notificationFacts, notificationLinks, summaryLine, truncate, truncateEscaped, type InternalNotification } from './message.js';

/*
 * Google Chat incoming-webhook body: `cardsV2` (a header, a section with the
 * update's text, a section of decoratedText facts, a buttonList of openLink
 * buttons) and a `text` fallback for notifications. Card text widgets take a
 * small HTML subset, so typed text is HTML-escaped there. In `text`, Chat
 * reads `<users/all>` as a mention of everyone: a zero-width space after
 * every `<` keeps typed text from forming one (or a `<url|label>` link).
 * Chat refuses messages over 32,000 bytes: the text and the facts share a
 * byte budget well under that (non-ASCII text takes up to 3 bytes a character).
 */

export const GOOGLE_CHAT_LIMITS = {
  title: 200,
  subtitle: 200,
  text: 4_000,
  label: 100,
  value: 1_000,
  facts: 30,
  buttons: 6,
  fallback: 1_000,
  /** What the text and the facts may take together, in UTF-8 bytes. */
  contentBytes: 24_000,
} as const;

const utf8 = new TextEncoder();

export interface GoogleChatButton {
  text: string;
  onClick: { openLink: { url: string } };
}

export type GoogleChatWidget =
  | { textParagraph: { text: string } }
  | { decoratedText: { topLabel: string; text: string; wrapText: true } }
  | { buttonList: { buttons: GoogleChatButton[] } };

export interface GoogleChatMessage {
  text: string;
  cardsV2: [
    {
      cardId: string;
      card: { header: { title: string; subtitle: string }; sections: { header?: string; widgets: GoogleChatWidget[] }[] };
    },
  ];
}

/** Escapes text for the HTML subset of card text widgets. */
export function chatHtmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Keeps typed text from forming `<users/all>` mentions or `<url|label>` links in a message's `text`. */
export function chatTextNeutralize(text: string): string {
  return text.replace(/</g, '<\u200b');
}

export function buildGoogleChatMessage(n: InternalNotification, now: number): GoogleChatMessage {
  const sections: GoogleChatMessage['cardsV2'][0]['card']['sections'] = [];
  let budget: number = GOOGLE_CHAT_LIMITS.contentBytes;
  const text = markdownToText(n.text);
  if (text) {
    const paragraph = truncateEscaped(chatHtmlEscape(text), GOOGLE_CHAT_LIMITS.text);
    budget -= utf8.encode(paragraph).length;
    sections.push({ widgets: [{ textParagraph: { text: paragraph } }] });
  }
  // Facts in order while they fit the budget: the first ones (severity, status, impact) matter most.
  const facts: GoogleChatWidget[] = [];
  for (const fact of notificationFacts(n, now).slice(0, GOOGLE_CHAT_LIMITS.facts)) {
    const topLabel = truncate(fact.label.replace(/[<>]/g, ''), GOOGLE_CHAT_LIMITS.label);
    const value = truncateEscaped(chatHtmlEscape(fact.value), GOOGLE_CHAT_LIMITS.value);
    const size = utf8.encode(topLabel + value).length;
    if (size > budget) break;
    budget -= size;
    facts.push({ decoratedText: { topLabel, text: value, wrapText: true } });
  }
  sections.push({ widgets: facts });
  const buttons = notificationLinks(n.links)
    .slice(0, GOOGLE_CHAT_LIMITS.buttons)
    .map((link) => ({ text: link.label, onClick: { openLink: { url: link.url } } }));
  if (buttons.length) sections.push({ widgets: [{ buttonList: { buttons } }] });

  return {
    text: truncate(chatTextNeutralize(summaryLine(n)), GOOGLE_CHAT_LIMITS.fallback),
    cardsV2: [
      {
        cardId: `herald-${n.incidentId}`.replace(/[^A-Za-z0-9_-]/g, '-'),
        card: {
          header: {
            title: truncate(n.title, GOOGLE_CHAT_LIMITS.title),
            subtitle: truncate(`${n.severityLabel} · ${NOTIFICATION_HEADLINES[n.kind]} · ${n.status}`, GOOGLE_CHAT_LIMITS.subtitle),
          },
          sections,
        },
      },
    ],
  };
}

// Each destination's message from one notification: its shape, its limits, and
// what typed text can never do there (HTML, pings, broken characters).
import { describe, expect, it } from 'vitest';
import { DISCORD_COLOURS, DISCORD_LIMITS, buildDiscordMessage, embedLength, type DiscordMessage } from '../../src/channels/discord.js';
import { GOOGLE_CHAT_LIMITS, buildGoogleChatMessage, type GoogleChatMessage } from '../../src/channels/google-chat.js';
import type { InternalNotification } from '../../src/channels/message.js';
import { SLACK_LIMITS, buildSlackMessage, type SlackMessage } from '../../src/channels/slack.js';
import { NASTY_TEXTS, NOW, manyLongFacts, notification } from './fixtures.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONG_TITLE = 'Checkout 🔥 failing '.repeat(40);

/** Every input the limit tests run each builder over. */
const HARD_CASES: [string, InternalNotification][] = [
  ['the plain fixture', notification()],
  ['a 760-character title', notification({ title: LONG_TITLE })],
  ['30 facts of 2500 characters', notification({ extraFacts: manyLongFacts() })],
  ['long non-ASCII text and facts', notification({ title: '東京'.repeat(200), text: '東京リージョン '.repeat(3000), extraFacts: manyLongFacts().map((f) => ({ ...f, value: 'ü'.repeat(2500) })) })],
  ['everything long at once', notification({ title: LONG_TITLE, text: 'x'.repeat(20_000), impact: 'i'.repeat(5000), extraFacts: manyLongFacts() })],
  ...NASTY_TEXTS.map(([name, text]): [string, InternalNotification] => [name, notification({ text, title: text.slice(0, 300), impact: text })]),
];

function slackTexts(message: SlackMessage): string[] {
  const texts = [message.text];
  for (const block of message.blocks) {
    if (block.type === 'section') {
      if (block.text) texts.push(block.text.text);
      for (const field of block.fields ?? []) texts.push(field.text);
    }
    if (block.type === 'context') texts.push(...block.elements.map((e) => e.text));
  }
  return texts;
}

describe('Slack', () => {
  it('builds header, kind, text, facts and the two main buttons, with a plain fallback', () => {
    const message = buildSlackMessage(notification(), NOW);
    expect(message.text).toBe('[SEV-1] Incident declared: Checkout failing for EU customers');
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'context', 'section', 'section', 'divider', 'actions']);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'SEV-1 · Checkout failing for EU customers', emoji: true } });
    expect(message.blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'We see errors on checkout.\n\n- payments time out\n- carts are kept' } });
    const actions = message.blocks[5];
    expect(actions?.type === 'actions' && actions.elements.map((e) => [e.text.text, e.url])).toEqual([
      ['Open in Herald', 'https://status.example.com/admin/incidents/inc_abc123def4'],
      ['Public page', 'https://status.example.com/incidents/inc_abc123def4'],
      ['War room', 'https://meet.example.com/war-room'],
      ['Runbook', 'https://wiki.example.com/runbooks/checkout'],
    ]);
  });

  it.each(HARD_CASES)('keeps every Block Kit limit with %s', (_name, input) => {
    const message = buildSlackMessage(input, NOW);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const block of message.blocks) {
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      if (block.type === 'section') {
        expect(block.text || block.fields).toBeTruthy();
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
        for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
      if (block.type === 'actions') {
        for (const button of block.elements) expect(button.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
      }
    }
    expect(JSON.stringify(message)).not.toMatch(LONE_SURROGATE);
  });

  it('truncates with an ellipsis and keeps all 30 extra facts across sections of 10', () => {
    const message = buildSlackMessage(notification({ title: LONG_TITLE, extraFacts: manyLongFacts() }), NOW);
    const header = message.blocks[0];
    expect(header?.type === 'header' && header.text.text.endsWith('…')).toBe(true);
    const fields = message.blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []));
    expect(fields).toHaveLength(8 + 30);
    expect(fields.at(-1)?.text.startsWith('*Component 30*\nv29xx')).toBe(true);
    expect(fields.at(-1)?.text.endsWith('…')).toBe(true);
  });

  it('escapes &, < and > everywhere mrkdwn is read, so typed text forms no tag, link or <!channel>', () => {
    const [, text] = NASTY_TEXTS[0]!;
    const message = buildSlackMessage(notification({ text, title: text, impact: text }), NOW);
    for (const piece of slackTexts(message)) {
      expect(piece).not.toMatch(/[<>]/);
      expect(piece).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    const section = message.blocks[2];
    expect(section?.type === 'section' && section.text?.text).toBe(
      'Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; &lt;!channel&gt; &lt;users/all&gt;',
    );
  });

  it('keeps emoji and non-ASCII as they are', () => {
    const [, text] = NASTY_TEXTS[2]!;
    const section = buildSlackMessage(notification({ text }), NOW).blocks[2];
    expect(section?.type === 'section' && section.text?.text).toBe(text);
  });
});

describe('Discord', () => {
  function checkLimits(message: DiscordMessage): void {
    const [embed] = message.embeds;
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const field of embed.fields) {
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
      expect(field.value.length).toBeGreaterThan(0);
    }
    expect(embed.footer.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    expect(embedLength(embed)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
  }

  it('builds one embed: title, Markdown description, facts, link, and no mentions allowed', () => {
    const message = buildDiscordMessage(notification(), NOW);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    const [embed] = message.embeds;
    expect(embed.title).toBe('SEV-1 · Checkout failing for EU customers');
    expect(embed.url).toBe('https://status.example.com/admin/incidents/inc_abc123def4');
    expect(embed.description).toBe('We see **errors** on checkout.\n\n- payments time out\n- carts are kept');
    expect(embed.timestamp).toBe('2025-03-04T05:06:00.000Z');
    expect(embed.fields.slice(0, 2)).toEqual([
      { name: 'Severity', value: 'SEV-1', inline: true },
      { name: 'Status', value: 'Investigating', inline: true },
    ]);
    expect(embed.footer.text).toContain('Public page: https://status.example.com/incidents/inc_abc123def4');
  });

  it.each([
    [1, 'declaration', DISCORD_COLOURS[1]],
    [2, 'update', DISCORD_COLOURS[2]],
    [3, 'update', DISCORD_COLOURS[3]],
    [1, 'resolution', DISCORD_COLOURS.resolved],
    [2, 'test', DISCORD_COLOURS.test],
  ] as const)('colours SEV-%d %s as %i', (severity, kind, colour) => {
    expect(buildDiscordMessage(notification({ severity, kind }), NOW).embeds[0].color).toBe(colour);
  });

  it('gives each severity its own integer colour', () => {
    const colours = [1, 2, 3, 4].map((s) => buildDiscordMessage(notification({ severity: s as 1 }), NOW).embeds[0].color);
    expect(new Set(colours).size).toBe(4);
    for (const colour of colours) expect(Number.isInteger(colour) && colour >= 0 && colour <= 0xffffff).toBe(true);
  });

  it.each(HARD_CASES)('keeps every embed limit with %s', (_name, input) => {
    const message = buildDiscordMessage(input, NOW);
    checkLimits(message);
    expect(message.allowed_mentions.parse).toEqual([]);
    expect(JSON.stringify(message)).not.toMatch(LONE_SURROGATE);
  });

  it('keeps the update text and drops trailing facts when 30 long facts would pass 6000', () => {
    const [embed] = buildDiscordMessage(notification({ extraFacts: manyLongFacts() }), NOW).embeds;
    expect(embed.description).toContain('payments time out');
    expect(embed.fields.length).toBeLessThan(8 + 30);
    expect(embed.fields[0]?.name).toBe('Severity');
    expect(embedLength(embed)).toBeGreaterThan(DISCORD_LIMITS.total - DISCORD_LIMITS.fieldValue - DISCORD_LIMITS.fieldName);
  });
});

describe('Google Chat', () => {
  function allCardText(message: GoogleChatMessage): string[] {
    return message.cardsV2[0].card.sections.flatMap((s) =>
      s.widgets.flatMap((w) => ('textParagraph' in w ? [w.textParagraph.text] : 'decoratedText' in w ? [w.decoratedText.text] : [])),
    );
  }

  it('builds a cardsV2 card: header, text, decoratedText facts, openLink buttons, and a text fallback', () => {
    const message = buildGoogleChatMessage(notification(), NOW);
    expect(message.text).toBe('[SEV-1] Incident declared: Checkout failing for EU customers');
    const [{ cardId, card }] = message.cardsV2;
    expect(cardId).toBe('herald-inc_abc123def4');
    expect(card.header).toEqual({ title: 'Checkout failing for EU customers', subtitle: 'SEV-1 · Incident declared · Investigating' });
    expect(card.sections[0]?.widgets).toEqual([{ textParagraph: { text: 'We see errors on checkout.\n\n- payments time out\n- carts are kept' } }]);
    expect(card.sections[1]?.widgets[0]).toEqual({ decoratedText: { topLabel: 'Severity', text: 'SEV-1', wrapText: true } });
    expect(card.sections[2]?.widgets[0]).toEqual({
      buttonList: {
        buttons: [
          { text: 'Open in Herald', onClick: { openLink: { url: 'https://status.example.com/admin/incidents/inc_abc123def4' } } },
          { text: 'Public page', onClick: { openLink: { url: 'https://status.example.com/incidents/inc_abc123def4' } } },
          { text: 'War room', onClick: { openLink: { url: 'https://meet.example.com/war-room' } } },
          { text: 'Runbook', onClick: { openLink: { url: 'https://wiki.example.com/runbooks/checkout' } } },
        ],
      },
    });
  });

  it('HTML-escapes card text and keeps <users/all> from mentioning everyone in the fallback', () => {
    const [, text] = NASTY_TEXTS[0]!;
    const message = buildGoogleChatMessage(notification({ text, title: text, impact: text }), NOW);
    for (const piece of allCardText(message)) expect(piece).not.toMatch(/[<>]/);
    expect(allCardText(message)[0]).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp;');
    expect(message.text).not.toContain('<users/all>');
    expect(message.text).not.toContain('<!channel>');
  });

  it.each(HARD_CASES)('stays within its caps with %s', (_name, input) => {
    const message = buildGoogleChatMessage(input, NOW);
    expect(message.text.length).toBeLessThanOrEqual(GOOGLE_CHAT_LIMITS.fallback);
    expect(message.cardsV2[0].card.header.title.length).toBeLessThanOrEqual(GOOGLE_CHAT_LIMITS.title);
    for (const piece of allCardText(message)) expect(piece.length).toBeLessThanOrEqual(GOOGLE_CHAT_LIMITS.text);
    // Chat refuses messages over 32,000 bytes.
    expect(new TextEncoder().encode(JSON.stringify(message)).length).toBeLessThan(32_000);
    expect(JSON.stringify(message)).not.toMatch(LONE_SURROGATE);
  });
});

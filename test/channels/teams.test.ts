// The Teams message, parsed by Microsoft's own Adaptive Cards library (npm
// `adaptivecards`): it reports unknown element types, invalid property values
// and missing required properties as parse events and validation failures.
// It runs here without a DOM (parsing and validation never render).
import * as AC from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import type { InternalNotification } from '../../src/channels/message.js';
import { TEAMS_CARD_VERSION, buildTeamsMessage } from '../../src/channels/teams.js';
import { NASTY_TEXTS, NOW, manyLongFacts, notification } from './fixtures.js';

/** Every problem the library reports for a card, parsed against schema 1.4. */
function cardProblems(card: unknown): string[] {
  const context = new AC.SerializationContext(AC.Versions.v1_4);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  return problems;
}

describe('Teams', () => {
  it('wraps one Adaptive Card 1.4 in a Workflows message', () => {
    const message = buildTeamsMessage(notification(), NOW);
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = attachment.content;
    expect(card.type).toBe('AdaptiveCard');
    expect(Number(card.version)).toBeLessThanOrEqual(1.4);
    expect(card.body.map((e) => e.type)).toEqual(['TextBlock', 'TextBlock', 'TextBlock', 'FactSet']);
    expect(card.body[0]).toMatchObject({ text: 'SEV-1 · Incident declared', color: 'Attention' });
    expect(card.body[1]).toMatchObject({ text: 'Checkout failing for EU customers', size: 'Large' });
    expect(card.body[2]).toMatchObject({ text: 'We see errors on checkout.\n\n- payments time out\n- carts are kept' });
    const facts = card.body[3]?.type === 'FactSet' ? card.body[3].facts : [];
    expect(facts[0]).toEqual({ title: 'Severity', value: 'SEV-1' });
    expect(card.actions.map((a) => [a.type, a.title, a.url])).toEqual([
      ['Action.OpenUrl', 'Open in Herald', 'https://status.example.com/admin/incidents/inc_abc123def4'],
      ['Action.OpenUrl', 'Public page', 'https://status.example.com/incidents/inc_abc123def4'],
      ['Action.OpenUrl', 'War room', 'https://meet.example.com/war-room'],
      ['Action.OpenUrl', 'Runbook', 'https://wiki.example.com/runbooks/checkout'],
    ]);
  });

  const cases: [string, InternalNotification][] = [
    ['the fixture', notification()],
    ['a resolution without links but the two main ones', notification({ kind: 'resolution', links: { admin: 'https://a.example/x', public: 'https://a.example/' } })],
    ['30 long facts and a long title', notification({ title: 'T'.repeat(1000), extraFacts: manyLongFacts() })],
    ['an empty update text', notification({ text: '' })],
    ...NASTY_TEXTS.map(([name, text]): [string, InternalNotification] => [name, notification({ text, impact: text, title: text.slice(0, 200) })]),
  ];
  it.each(cases)('is a valid Adaptive Card %s for the adaptivecards parser', (_name, input) => {
    const card = buildTeamsMessage(input, NOW).attachments[0].content;
    expect(card.version).toBe(TEAMS_CARD_VERSION);
    expect(cardProblems(card)).toEqual([]);
  });

  it('has a parser that does report broken cards (the check above can fail)', () => {
    const card = structuredClone(buildTeamsMessage(notification(), NOW).attachments[0].content) as unknown as {
      body: Record<string, unknown>[];
      actions: Record<string, unknown>[];
    };
    card.body.push({ type: 'Carousel' });
    card.body[0]!.color = 'Crimson';
    delete card.actions[0]!.url;
    const problems = cardProblems(card);
    expect(problems.some((p) => p.includes('Carousel'))).toBe(true);
    expect(problems.some((p) => p.includes('Crimson'))).toBe(true);
    expect(problems.some((p) => p.includes('"url" must be set'))).toBe(true);
  });

  it('carries typed text as plain text: no HTML survives as markup to render', () => {
    const [, text] = NASTY_TEXTS[0]!;
    const card = buildTeamsMessage(notification({ text }), NOW).attachments[0].content;
    // Adaptive Cards render no HTML at all; the text arrives as the characters typed.
    expect(card.body[2]).toMatchObject({ type: 'TextBlock', text });
  });
});

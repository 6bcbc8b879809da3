// A customer's Slack, Teams and Discord message (issue 18): customer wording
// only, the same limits and escaping as the internal channels' messages, the
// manage and unsubscribe links, and valid for the receivers that check them
// like the real services (Teams cards parsed by the real `adaptivecards`).
import { describe, expect, it } from 'vitest';
import { buildCustomerDiscordMessage, buildCustomerSlackMessage, buildCustomerTeamsMessage } from '../../src/channels/customer-chat.js';
import { renderForSubscriber, type CustomerNotification, type IncidentNotification } from '../../src/channels/customer.js';
import { DISCORD_LIMITS, embedLength } from '../../src/channels/discord.js';
import { SLACK_LIMITS } from '../../src/channels/slack.js';
import { postOutbound } from '../../src/lib/outbound.js';
import { discordProblems, slackProblems, startReceiver, teamsProblems } from '../support/fake-receivers.js';
import { DELIVERY, componentNotification, incidentNotification, maintenanceNotification } from './customer-fixtures.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NASTY_NAME = 'Hello <script>alert(1)</script> & <b>bold</b> <!channel> **big** [click](https://evil.example) @everyone';

function manyComponents(n: IncidentNotification, count: number): IncidentNotification {
  const [announced, ...rest] = n.incident.incident_updates;
  const affected = Array.from({ length: count }, (_, i) => ({
    code: `cmp_${i}`,
    name: `Component ${i} ${'x'.repeat(300)}`,
    old_status: 'operational' as const,
    new_status: 'major_outage' as const,
  }));
  return { ...n, incident: { ...n.incident, incident_updates: [{ ...announced!, affected_components: affected }, ...rest] } };
}

const HARD_CASES: [string, CustomerNotification][] = [
  ['an incident', incidentNotification()],
  ['a maintenance', maintenanceNotification()],
  ['a component notice', componentNotification()],
  ['a 1000-character name and page name', incidentNotification({ name: 'Checkout 🔥 failing '.repeat(50), pageName: 'P'.repeat(1000) })],
  ['a 20,000-character update', incidentNotification({ body: '東京リージョン '.repeat(2500) })],
  ['300 affected components with long names', manyComponents(incidentNotification(), 300)],
  ['HTML and Markdown in every name', incidentNotification({ name: NASTY_NAME, pageName: NASTY_NAME, componentName: NASTY_NAME, body: NASTY_NAME })],
  ['HTML and Markdown in a component name', componentNotification({ name: NASTY_NAME })],
];

describe('Slack', () => {
  it('builds the incident: title, page and headline, the update, status and components, links, and the footer', () => {
    const message = buildCustomerSlackMessage(incidentNotification(), DELIVERY);
    expect(message.text).toBe('[Acme Cloud] Checkout failing for EU customers: Identified');
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'context', 'section', 'section', 'divider', 'actions', 'context']);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Checkout failing for EU customers', emoji: true } });
    expect(message.blocks[1]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Acme Cloud · Incident update' }] });
    expect(message.blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'We found the cause: a bad deploy.\n\n- rolling back\n- carts are kept' } });
    expect(message.blocks[3]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Status*\nIdentified' },
        { type: 'mrkdwn', text: '*API*\nDegraded performance (was Operational)' },
      ],
    });
    const actions = message.blocks[5];
    expect(actions?.type === 'actions' && actions.elements.map((e) => [e.text.text, e.url])).toEqual([
      ['View incident', 'https://status.example.com/incidents/inc_abc'],
      ['Status page', 'https://status.example.com'],
      ['Manage or unsubscribe', DELIVERY.manageUrl],
    ]);
    expect(message.blocks[6]).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'Sent to this channel because it subscribed to Acme Cloud status updates.' },
        { type: 'mrkdwn', text: `<${DELIVERY.unsubscribeUrl}|Unsubscribe>` },
      ],
    });
  });

  it('says "<Component> is now <status>" for a component notice, and gives a maintenance its window', () => {
    const component = buildCustomerSlackMessage(componentNotification(), DELIVERY);
    expect(component.blocks[0]).toMatchObject({ text: { text: 'API is now Degraded performance' } });
    expect(component.blocks[2]).toMatchObject({ text: { text: 'API is now Degraded performance (was Operational).' } });
    expect(component.text).toBe('[Acme Cloud] API is now Degraded performance (was Operational)');
    const maintenance = JSON.stringify(buildCustomerSlackMessage(maintenanceNotification(), DELIVERY));
    expect(maintenance).toContain('*Window*\\n2025-03-04 06:06 UTC to 2025-03-04 07:06 UTC');
    expect(maintenance).toContain('Acme Cloud · Scheduled maintenance');
    expect(maintenance).toContain('View maintenance');
  });

  it('escapes &, < and > wherever mrkdwn is read: only its own links stay links', () => {
    const message = buildCustomerSlackMessage(HARD_CASES[6]![1], DELIVERY);
    const texts = [message.text, ...message.blocks.flatMap((b) => (b.type === 'section' ? [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)] : b.type === 'context' ? b.elements.map((e) => e.text) : []))];
    const ownLink = `<${DELIVERY.unsubscribeUrl}|Unsubscribe>`;
    for (const text of texts) {
      expect(text.replace(ownLink, '')).not.toMatch(/[<>]/);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(message.blocks[1]).toMatchObject({ elements: [{ text: expect.stringContaining('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;') }] });
    expect(message.text).not.toContain('<!channel>');
  });
});

describe('Teams', () => {
  it('builds one Adaptive Card 1.4 in a Workflows message, with the customer facts and links', () => {
    const message = buildCustomerTeamsMessage(incidentNotification(), DELIVERY);
    expect(message.type).toBe('message');
    const card = message.attachments[0].content;
    expect(card.version).toBe('1.4');
    expect(card.body.map((e) => e.type)).toEqual(['TextBlock', 'TextBlock', 'TextBlock', 'FactSet', 'TextBlock', 'TextBlock']);
    expect(card.body[0]).toMatchObject({ text: 'Acme Cloud · Incident update', color: 'Warning' });
    expect(card.body[1]).toMatchObject({ text: 'Checkout failing for EU customers', size: 'Large' });
    expect(card.body[2]).toMatchObject({ text: 'We found the cause: a bad deploy.\n\n- rolling back\n- carts are kept' });
    expect(card.body[3]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Status', value: 'Identified' },
        { title: 'API', value: 'Degraded performance (was Operational)' },
      ],
    });
    expect(card.body[5]).toMatchObject({ text: `[Unsubscribe](${DELIVERY.unsubscribeUrl})` });
    expect(card.actions.map((a) => [a.title, a.url])).toEqual([
      ['View incident', 'https://status.example.com/incidents/inc_abc'],
      ['Status page', 'https://status.example.com'],
      ['Manage or unsubscribe', DELIVERY.manageUrl],
    ]);
    expect(teamsProblems(message)).toEqual([]);
  });

  it('colours a resolved incident Good and a component outage Attention', () => {
    const resolved = incidentNotification();
    resolved.incident = { ...resolved.incident, status: 'resolved' };
    expect(buildCustomerTeamsMessage(resolved, DELIVERY).attachments[0].content.body[0]).toMatchObject({ text: 'Acme Cloud · Incident resolved', color: 'Good' });
    const outage = componentNotification();
    outage.componentUpdate = { ...outage.componentUpdate, new_status: 'major_outage' };
    expect(buildCustomerTeamsMessage(outage, DELIVERY).attachments[0].content.body[0]).toMatchObject({ color: 'Attention' });
  });

  it('carries names as plain text: Adaptive Cards render no HTML', () => {
    const card = buildCustomerTeamsMessage(HARD_CASES[6]![1], DELIVERY).attachments[0].content;
    expect(card.body[1]).toMatchObject({ type: 'TextBlock', text: NASTY_NAME });
  });
});

describe('Discord', () => {
  it('builds one embed: title linked to the incident, Markdown update, facts, links, footer, no mentions', () => {
    const message = buildCustomerDiscordMessage(incidentNotification(), DELIVERY);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    const [embed] = message.embeds;
    expect(embed.title).toBe('Checkout failing for EU customers');
    expect(embed.url).toBe('https://status.example.com/incidents/inc_abc');
    expect(embed.description).toBe('We found the **cause**: a bad deploy.\n\n- rolling back\n- carts are kept');
    expect(embed.timestamp).toBe('2025-03-04T05:06:00.000Z');
    expect(embed.fields).toEqual([
      { name: 'Status', value: 'Identified', inline: true },
      { name: 'API', value: 'Degraded performance (was Operational)', inline: true },
      {
        name: 'Links',
        value: `[View incident](https://status.example.com/incidents/inc_abc) · [Status page](https://status.example.com) · [Manage or unsubscribe](${DELIVERY.manageUrl}) · [Unsubscribe](${DELIVERY.unsubscribeUrl})`,
        inline: false,
      },
    ]);
    expect(embed.footer.text).toBe('Acme Cloud · Incident update · Sent to this channel because it subscribed to Acme Cloud status updates.');
  });

  it('escapes Markdown in names, so a name forms no link, emphasis or mention', () => {
    const [embed] = buildCustomerDiscordMessage(componentNotification({ name: '**API** [click](https://evil.example) <@123> _x_' }), DELIVERY).embeds;
    expect(embed.title).toBe('\\*\\*API\\*\\* \\[click\\](https://evil.example) \\<@123\\> \\_x\\_ is now Degraded performance');
    expect(embed.description).toBe('\\*\\*API\\*\\* \\[click\\](https://evil.example) \\<@123\\> \\_x\\_ is now Degraded performance (was Operational).');
    const [incident] = buildCustomerDiscordMessage(HARD_CASES[6]![1], DELIVERY).embeds;
    expect(incident.fields[1]!.name).toContain('\\[click\\](https://evil.example)');
    expect(incident.fields.at(-1)!.name).toBe('Links');
  });
});

describe('every format', () => {
  it.each(HARD_CASES)('stays within the platforms\' limits with %s', (_name, n) => {
    const slack = buildCustomerSlackMessage(n, DELIVERY);
    const teams = buildCustomerTeamsMessage(n, DELIVERY);
    const discord = buildCustomerDiscordMessage(n, DELIVERY);
    expect(slackProblems(slack)).toEqual([]);
    expect(teamsProblems(teams)).toEqual([]);
    expect(discordProblems(discord)).toEqual([]);
    expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(embedLength(discord.embeds[0])).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    // Teams refuses messages over about 28 KB.
    expect(new TextEncoder().encode(JSON.stringify(teams)).length).toBeLessThan(28_000);
    for (const message of [slack, teams, discord]) expect(JSON.stringify(message)).not.toMatch(LONE_SURROGATE);
  });

  it.each(HARD_CASES)('keeps the manage and unsubscribe links with %s', (_name, n) => {
    for (const message of [buildCustomerSlackMessage(n, DELIVERY), buildCustomerTeamsMessage(n, DELIVERY), buildCustomerDiscordMessage(n, DELIVERY)]) {
      const json = JSON.stringify(message);
      expect(json).toContain(DELIVERY.manageUrl);
      expect(json).toContain(DELIVERY.unsubscribeUrl);
    }
  });

  it('truncates long text with an ellipsis', () => {
    const n = HARD_CASES[3]![1];
    const slack = buildCustomerSlackMessage(n, DELIVERY).blocks[0];
    expect(slack?.type === 'header' && slack.text.text.endsWith('…')).toBe(true);
    expect(buildCustomerDiscordMessage(n, DELIVERY).embeds[0].title.endsWith('…')).toBe(true);
    const long = buildCustomerDiscordMessage(HARD_CASES[4]![1], DELIVERY).embeds[0];
    expect(long.description?.endsWith('…')).toBe(true);
    expect(long.fields.at(-1)?.name).toBe('Links');
    // Teams: the text is shortened to fit its byte limit, the facts stay.
    const card = buildCustomerTeamsMessage(HARD_CASES[4]![1], DELIVERY).attachments[0].content;
    expect(card.body[2]).toMatchObject({ text: expect.stringMatching(/^東京リージョン .*…$/s) });
    expect(card.body[3]).toMatchObject({ type: 'FactSet', facts: [{ title: 'Status' }, { title: 'API' }] });
  });

  it('holds no internal field: no severity, roles or admin links', () => {
    for (const n of HARD_CASES.map(([, c]) => c)) {
      for (const message of [buildCustomerSlackMessage(n, DELIVERY), buildCustomerTeamsMessage(n, DELIVERY), buildCustomerDiscordMessage(n, DELIVERY)]) {
        const json = JSON.stringify(message);
        expect(json).not.toMatch(/SEV-\d|severity|Incident Commander|Comms Lead|\/admin|Open in Herald|Internal/i);
      }
    }
  });

  it('renders the same bytes on every attempt, as JSON', async () => {
    for (const type of ['slack', 'teams', 'discord'] as const) {
      const first = await renderForSubscriber({ type, signingSecret: null }, incidentNotification(), DELIVERY, 1);
      const again = await renderForSubscriber({ type, signingSecret: null }, incidentNotification(), DELIVERY, 10_000_000);
      expect(again).toEqual(first);
      expect(first.headers['content-type']).toBe('application/json');
    }
  });

  it.each(['slack', 'teams', 'discord'] as const)('is accepted by the %s receiver through the real outbound POST', async (type) => {
    const receiver = await startReceiver(type);
    try {
      for (const [, n] of HARD_CASES) {
        const request = await renderForSubscriber({ type, signingSecret: null }, n, DELIVERY, Date.now());
        const result = await postOutbound(receiver.url, { body: request.body, headers: request.headers, resolve: null, allowLoopback: true });
        expect(result.outcome).toBe('ok');
      }
      expect((await receiver.waitFor(HARD_CASES.length)).length).toBe(HARD_CASES.length);
    } finally {
      await receiver.close();
    }
  });
});

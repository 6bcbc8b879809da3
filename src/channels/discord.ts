import type { Severity } from '../domain/constants.js';
import { NOTIFICATION_HEADLINES, notificationFacts, notificationLinks, truncate, type Fact, type InternalNotification } from './message.js';

/*
 * Discord webhook body: one embed. Limits from Discord's embed reference:
 * title 256, description 4096, at most 25 fields (name 256, value 1024),
 * footer 2048, and 6000 characters in all of them together. The update's
 * Markdown goes in as is (Discord renders Markdown; it has no HTML to
 * inject). `allowed_mentions: { parse: [] }` means nothing typed into an
 * incident (`@everyone`, `@here`, `<@id>`) can ever ping anyone.
 */

export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

/** The embed's colour bar, by severity (red, orange, amber, grey); resolved is green, a test blue. */
export const DISCORD_COLOURS: Record<Severity, number> & { resolved: number; test: number } = {
  1: 0xd92d20,
  2: 0xf79009,
  3: 0xdc9b04,
  4: 0x667085,
  resolved: 0x12b76a,
  test: 0x2563eb,
};

export interface DiscordEmbed {
  title: string;
  url?: string;
  description?: string;
  color: number;
  timestamp: string;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
}

export interface DiscordMessage {
  embeds: [DiscordEmbed];
  allowed_mentions: { parse: [] };
}

/** The characters an embed counts against its 6000 total. */
export function embedLength(embed: DiscordEmbed): number {
  return (
    embed.title.length +
    (embed.description?.length ?? 0) +
    embed.footer.text.length +
    embed.fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
}

export function buildDiscordMessage(n: InternalNotification, now: number): DiscordMessage {
  const title = truncate(`${n.severityLabel} · ${n.title}`, DISCORD_LIMITS.title);
  const links = notificationLinks(n.links);
  const footer = truncate(
    [NOTIFICATION_HEADLINES[n.kind], ...links.slice(1).map((link) => `${link.label}: ${link.url}`)].join(' · '),
    DISCORD_LIMITS.footer,
  );
  const text = n.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  const description = truncate(text, Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - title.length - footer.length));

  // The update's text comes first; facts fill what the 6000 total leaves, in order.
  const fields = discordFields(notificationFacts(n, now), DISCORD_LIMITS.total - title.length - footer.length - description.length);

  const colour = n.kind === 'resolution' ? DISCORD_COLOURS.resolved : n.kind === 'test' ? DISCORD_COLOURS.test : DISCORD_COLOURS[n.severity];
  const embed: DiscordEmbed = {
    title,
    ...(links[0] ? { url: links[0].url } : {}),
    ...(description ? { description } : {}),
    color: colour,
    timestamp: new Date(now).toISOString(),
    fields,
    footer: { text: footer },
  };
  return { embeds: [embed], allowed_mentions: { parse: [] } };
}

/** Facts as embed fields, in order, until 25 fields or `room` characters are used. */
export function discordFields(facts: readonly Fact[], room: number): DiscordEmbed['fields'] {
  const fields: DiscordEmbed['fields'] = [];
  for (const fact of facts) {
    if (fields.length === DISCORD_LIMITS.fields) break;
    const name = truncate(fact.label, DISCORD_LIMITS.fieldName);
    const value = truncate(fact.value, DISCORD_LIMITS.fieldValue);
    if (name.length + value.length > room) break;
    room -= name.length + value.length;
    fields.push({ name, value, inline: value.length <= 40 });
  }
  return fields;
}

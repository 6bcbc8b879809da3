/*
 * What kind of address an IP is, for the outbound SSRF guard (lib/outbound.ts).
 * Pure. Accepts dotted-quad IPv4 and any textual IPv6 (with "::", an embedded
 * IPv4 tail, brackets or a zone). Odd IPv4 spellings in URLs (2130706433,
 * 0x7f.1, 0177.0.0.1) never reach it: the URL parser rewrites them to dotted
 * quads, which is what `literalHost` reads.
 */

export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link_local'
  | 'unique_local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

type Range = [prefix: number[], bits: number, kind: AddressClass];

// IPv4 ranges, most specific first where they nest.
const V4_RANGES: Range[] = [
  [[0, 0, 0, 0], 32, 'unspecified'],
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'cgnat'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link_local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'reserved'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'reserved'],
  [[203, 0, 113, 0], 24, 'reserved'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

function inRange(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < prefix.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function parseV4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((part) => (/^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

/** 16 bytes of an IPv6 address, or null. */
function parseV6(text: string): number[] | null {
  let rest = text;
  let tail: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.')) {
    const v4 = parseV4(rest.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    // "::1.2.3.4" keeps its "::"; "::ffff:1.2.3.4" drops the colon before the IPv4 tail.
    const before = rest.slice(0, lastColon + 1);
    rest = before.endsWith('::') ? before : rest.slice(0, lastColon);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const group = (g: string): number => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN);
  const head = halves[0] ? halves[0].split(':').map(group) : [];
  const back = halves.length === 2 && halves[1] ? halves[1].split(':').map(group) : [];
  const groups = halves.length === 2 ? [...head, ...new Array(Math.max(0, 8 - head.length - back.length - tail.length)).fill(0), ...back, ...tail] : [...head, ...tail];
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  if (halves.length === 2 && head.length + back.length + tail.length > 7) return null;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function classifyV4(bytes: number[]): AddressClass {
  if (bytes.every((b) => b === 255)) return 'reserved';
  for (const [prefix, bits, kind] of V4_RANGES) if (inRange(bytes, prefix, bits)) return kind;
  return 'public';
}

function classifyV6(bytes: number[]): AddressClass {
  const zeroUpTo = (n: number) => bytes.slice(0, n).every((b) => b === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside: judge that.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return classifyV4(bytes.slice(12));
  if (inRange(bytes, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96)) return classifyV4(bytes.slice(12));
  // 6to4 (2002:aabb:ccdd::) carries an IPv4 address in its prefix.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return classifyV4(bytes.slice(2, 6));
  if (zeroUpTo(12)) return 'reserved'; // IPv4-compatible (::a.b.c.d), deprecated
  if ((bytes[0]! & 0xfe) === 0xfc) return 'unique_local';
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return 'link_local';
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0xc0) return 'private'; // site-local, deprecated
  if (bytes[0] === 0xff) return 'multicast';
  if (inRange(bytes, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return 'private'; // local-use NAT64
  if (inRange(bytes, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'reserved'; // documentation
  if (inRange(bytes, [0x20, 0x01, 0x00, 0x00], 32)) return 'reserved'; // Teredo
  if (inRange(bytes, [0x01, 0x00, 0, 0, 0, 0, 0, 0], 64)) return 'reserved'; // discard
  // Global unicast is 2000::/3; nothing else is routable on the internet.
  return (bytes[0]! & 0xe0) === 0x20 ? 'public' : 'reserved';
}

/** The class of an IP address in text form; 'invalid' when it is not one. */
export function classifyAddress(address: string): AddressClass {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const v4 = parseV4(text);
  if (v4) return classifyV4(v4);
  if (!text.includes(':')) return 'invalid';
  const v6 = parseV6(text);
  return v6 ? classifyV6(v6) : 'invalid';
}

/** The IP literal a URL's host names (brackets removed), or null for a host name. */
export function literalHost(hostname: string): string | null {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return parseV4(hostname) ? hostname : null;
}

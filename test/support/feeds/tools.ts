import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Real tools for checking feeds, as a feed reader or validator would:
 * - jing (Debian package `jing`) validates Atom against the RELAX NG schema
 *   of RFC 4287 Appendix B (atom.rnc, next to this file);
 * - feedparser (Debian package `python3-feedparser`) reads RSS and Atom the
 *   way many feed readers do (parse_feed.py prints what it sees as JSON).
 * .ci/run installs both. A missing tool fails the tests; it never skips them.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
export const ATOM_SCHEMA = join(HERE, 'atom.rnc');
const PARSE_FEED = join(HERE, 'parse_feed.py');
const INSTALL_HINT = 'install it with `apt-get install -y --no-install-recommends jing python3-feedparser` (as .ci/run does)';

/** Debian's python3-feedparser is installed for the system Python, which a pyenv or venv on PATH would hide. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let toolsChecked = false;

/** Throws (failing the test with a clear message) unless jing and feedparser are installed. */
export function requireFeedTools(): void {
  if (toolsChecked) return;
  const jing = spawnSync('sh', ['-c', 'command -v jing'], { encoding: 'utf8' });
  if (jing.status !== 0) {
    throw new Error(`The feed tests need the RELAX NG validator jing, which is not installed: ${INSTALL_HINT}.`);
  }
  const feedparser = spawnSync(PYTHON, ['-c', 'import feedparser'], { encoding: 'utf8' });
  if (feedparser.status !== 0) {
    throw new Error(
      `The feed tests need Python's feedparser (${PYTHON} -c 'import feedparser' failed: ` +
        `${(feedparser.error?.message ?? feedparser.stderr).trim()}): ${INSTALL_HINT}.`,
    );
  }
  toolsChecked = true;
}

export interface SchemaResult {
  valid: boolean;
  /** jing's messages (errors with line:column), without its start-up noise. */
  messages: string;
}

/** Validates an XML document against a RELAX NG Compact schema with jing (exit code 0 = valid). */
export function validateWithJing(xml: string, schema = ATOM_SCHEMA): SchemaResult {
  const dir = mkdtempSync(join(tmpdir(), 'herald-feed-'));
  try {
    const file = join(dir, 'feed.xml');
    writeFileSync(file, xml, 'utf8');
    const run = spawnSync('jing', ['-c', schema, file], { encoding: 'utf8', timeout: 60_000 });
    if (run.error) throw new Error(`Could not run jing (${run.error.message}): ${INSTALL_HINT}.`);
    if (run.status === null) throw new Error(`jing was killed by ${run.signal}.`);
    const messages = `${run.stdout}${run.stderr}`
      .split('\n')
      // Debian's wrapper warns about optional jars it does not need.
      .filter((line) => line.trim() !== '' && !line.startsWith('[warning] /usr/bin/jing:'))
      .map((line) => line.replace(file, '<feed>'))
      .join('\n');
    return { valid: run.status === 0, messages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ParsedDetail {
  type: string | null;
  value: string | null;
}

export interface ParsedLink {
  rel: string | null;
  href: string | null;
  type: string | null;
}

/** What feedparser sees in a document (see parse_feed.py). Times are milliseconds since the epoch. */
export interface ParsedFeed {
  /** Whether expat (xml.dom.minidom) accepts the document as well-formed XML. */
  wellFormed: boolean;
  xmlError: string | null;
  bozo: boolean;
  bozoException: string | null;
  /** "atom10", "rss20", … */
  version: string;
  encoding: string | null;
  feed: {
    id: string | null;
    title: string | null;
    titleDetail: ParsedDetail | null;
    subtitle: string | null;
    link: string | null;
    links: ParsedLink[];
    language: string | null;
    generator: string | null;
    author: string | null;
    updated: number | null;
    published: number | null;
  };
  entries: {
    id: string | null;
    guidIsLink: boolean | null;
    title: string | null;
    titleDetail: ParsedDetail | null;
    link: string | null;
    links: ParsedLink[];
    published: number | null;
    updated: number | null;
    summary: string | null;
    summaryDetail: ParsedDetail | null;
    content: ParsedDetail[];
  }[];
}

/** Parses an RSS or Atom document with Python's feedparser. */
export function parseWithFeedparser(xml: string): ParsedFeed {
  const run = spawnSync(PYTHON, [PARSE_FEED], { input: Buffer.from(xml, 'utf8'), encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw new Error(`Could not run ${PYTHON} (${run.error.message}): ${INSTALL_HINT}.`);
  if (run.status !== 0) throw new Error(`parse_feed.py failed (exit ${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as ParsedFeed;
}

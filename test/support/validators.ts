import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/*
 * The Nu Html Checker (vnu-jar, needs Java: Debian's default-jre-headless) and
 * axe-core (run inside Chromium), as the tests use them.
 */

const require = createRequire(import.meta.url);

/** One problem a validator reports, with where it was found. */
export interface Finding {
  document: string;
  message: string;
  extract?: string;
}

interface VnuMessage {
  type: 'error' | 'info' | 'non-document-error';
  subType?: string;
  url?: string;
  message: string;
  extract?: string;
  lastLine?: number;
}

/**
 * Checks HTML documents (name -> source) with one run of vnu.jar (one JVM for
 * the whole batch). Returns the errors and, apart, the warnings.
 */
export async function validateHtml(documents: Map<string, string>): Promise<{ errors: Finding[]; warnings: Finding[] }> {
  const jar = require.resolve('vnu-jar/build/dist/vnu.jar');
  const dir = await mkdtemp(join(tmpdir(), 'herald-vnu-'));
  try {
    const names = new Map<string, string>();
    let n = 0;
    for (const [name, html] of documents) {
      const file = join(dir, `${String(n++).padStart(4, '0')}.html`);
      names.set(`file:${file}`, name);
      await writeFile(file, html);
    }
    const out = join(dir, 'report.json');
    // vnu exits 1 when it finds errors; the report says which.
    await new Promise<void>((resolve, reject) => {
      execFile('java', ['-jar', jar, '--format', 'json', '--stdout', '--skip-non-html', dir], { maxBuffer: 64 * 1024 * 1024 }, async (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error('java not found: install a Java runtime ("apt-get install -y default-jre-headless") to run the Nu Html Checker'));
          return;
        }
        if (!stdout.trim().startsWith('{')) {
          reject(new Error(`vnu.jar gave no report: ${stderr || error?.message}`));
          return;
        }
        await writeFile(out, stdout);
        resolve();
      });
    });
    const report = JSON.parse(await readFile(out, 'utf8')) as { messages: VnuMessage[] };
    const errors: Finding[] = [];
    const warnings: Finding[] = [];
    for (const m of report.messages) {
      const finding = { document: names.get(m.url ?? '') ?? m.url ?? '?', message: `line ${m.lastLine ?? '?'}: ${m.message}`, extract: m.extract };
      (m.type === 'info' ? warnings : errors).push(finding);
    }
    return { errors, warnings };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The WCAG 2.1 A and AA rules (no best practices). */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let axeSource: Promise<string> | undefined;

interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
}

// Evaluated in the browser page.
declare const axe: { run(context: unknown, options: unknown): Promise<AxeResults> };
declare const document: unknown;

/**
 * Runs axe-core over the page as it is now. Evaluated through the DevTools
 * protocol, so the pages' Content-Security-Policy (no scripts) does not stop it.
 */
export async function runAxe(page: Page, document_: string): Promise<Finding[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof axe !== 'undefined');
  if (!loaded) await page.evaluate(await axeSource);
  const results = await page.evaluate(
    (tags) => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  return results.violations.flatMap((v) =>
    v.nodes.map((node) => ({
      document: document_,
      message: `${v.id} (${v.impact ?? '?'}): ${v.help}`,
      extract: `${JSON.stringify(node.target)} ${node.failureSummary ?? ''}`,
    })),
  );
}

/** Findings as readable lines for an assertion message. */
export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.document}: ${f.message}${f.extract ? `\n    ${f.extract.replace(/\s+/g, ' ').slice(0, 300)}` : ''}`).join('\n');
}

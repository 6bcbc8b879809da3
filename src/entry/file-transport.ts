// Node only: the embedded default when there is no Resend key.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../deps.js';
import type { MailTransport } from '../mail/transport.js';

/**
 * Writes each email as an .eml file (headers and both bodies, openable in any
 * mail client) under `dir/<date>/`, and logs one line per email, so a newcomer
 * sees exactly what subscribers would get. File names come from the batch's
 * idempotency key: a retried batch overwrites its own files instead of adding
 * copies, the same guarantee Resend gives.
 */
export function fileTransport(options: { dir: string; from: string; log: Logger; now?: () => number }): MailTransport {
  const now = options.now ?? Date.now;
  return {
    name: 'files',
    maxBatch: 100,
    async sendBatch(emails, idempotencyKey) {
      const at = new Date(now());
      const folder = join(options.dir, at.toISOString().slice(0, 10));
      try {
        await mkdir(folder, { recursive: true });
        const results = [];
        for (const [index, email] of emails.entries()) {
          // The key ("herald/<batch>") as a safe file name.
          const id = `${idempotencyKey.replace(/[^A-Za-z0-9_-]+/g, '-')}-${String(index).padStart(3, '0')}`;
          const path = join(folder, `${id}.eml`);
          await writeFile(path, toEml(options.from, email, id, at));
          options.log.info('mail: written, not sent (no RESEND_API_KEY)', { path, to: email.to, subject: email.subject });
          results.push({ id });
        }
        return { kind: 'accepted', results };
      } catch (error) {
        return { kind: 'retry', error: `could not write ${folder}: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}

/** RFC 5322 / MIME: multipart/alternative with the text and HTML parts, UTF-8, 8bit. */
function toEml(from: string, email: { to: string; subject: string; html: string; text: string; headers: Record<string, string> }, id: string, at: Date): string {
  const boundary = `herald-${id}`;
  const header = (name: string, value: string): string => `${name}: ${value.replace(/[\r\n]+/g, ' ')}`;
  return [
    header('From', from),
    header('To', email.to),
    header('Subject', encodeWord(email.subject)),
    header('Date', at.toUTCString().replace('GMT', '+0000')),
    header('Message-ID', `<${id}@herald.local>`),
    ...Object.entries(email.headers).map(([name, value]) => header(name, value)),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    email.text,
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    email.html,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** RFC 2047 for a header with non-ASCII text. */
function encodeWord(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

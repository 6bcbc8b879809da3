// The embedded default: no Resend key, each email becomes an .eml file and a log line.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileTransport } from '../../src/entry/file-transport.js';
import { MemoryLogger } from '../support/deps.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local mail transport', () => {
  it('writes each email as a MIME file with its headers and both bodies, once per batch key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-mail-'));
    dirs.push(dir);
    const log = new MemoryLogger();
    const at = Date.UTC(2026, 10, 23, 12);
    const transport = fileTransport({ dir, from: 'Status <status@example.com>', log, now: () => at });
    const email = {
      to: 'ada@example.com',
      subject: '[Investigating] Überlastung',
      html: '<p>Hello</p>',
      text: 'Hello',
      headers: { 'List-Unsubscribe': '<https://status.example.com/unsubscribe/x.y>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
    const outcome = await transport.sendBatch([email, { ...email, to: 'bob@example.com' }], 'herald/batch1');
    expect(outcome).toEqual({ kind: 'accepted', results: [{ id: 'herald-batch1-000' }, { id: 'herald-batch1-001' }] });
    // A retried batch overwrites its own files.
    await transport.sendBatch([email, { ...email, to: 'bob@example.com' }], 'herald/batch1');
    const folder = join(dir, '2026-11-23');
    expect(readdirSync(folder).sort()).toEqual(['herald-batch1-000.eml', 'herald-batch1-001.eml']);
    const eml = readFileSync(join(folder, 'herald-batch1-000.eml'), 'utf8');
    expect(eml).toContain('From: Status <status@example.com>\r\nTo: ada@example.com\r\n');
    expect(eml).toContain(`Subject: =?UTF-8?B?${Buffer.from(email.subject).toString('base64')}?=`);
    expect(eml).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(eml).toContain('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHello');
    expect(eml).toContain('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<p>Hello</p>');
    expect(log.lines.filter((l) => l.message.startsWith('mail: written'))).toHaveLength(4);
  });

  it('asks for a retry when it cannot write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-mail-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a-file'), '');
    // A folder inside a file cannot be created.
    const transport = fileTransport({ dir: join(dir, 'a-file', 'mail'), from: 'a@example.com', log: new MemoryLogger() });
    const outcome = await transport.sendBatch([{ to: 'a@example.com', subject: 's', html: 'h', text: 't', headers: {} }], 'herald/x');
    expect(outcome.kind).toBe('retry');
  });
});

import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { HOUR, MINUTE } from '../../src/domain/calendar.js';
import type { BatchOutcome, MailTransport, OutgoingEmail } from '../../src/mail/transport.js';
import { login } from '../../src/services/auth/sessions.js';
import { inspectHtml } from '../security/support.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, passwordLinkIn, signIn, TEST_PASSWORD, usePasswordLink, type TestSession } from '../support/admin.js';
import { textOf } from '../support/http.js';

/*
 * "Forgot your password?" on the sign-in page, and the invitation and reset
 * emails of the Team page, through the real app and database. Emails go to a
 * recording transport (the one the XSS suite uses), which can be told to
 * answer "retry" or "rejected".
 */

const FORM = 'application/x-www-form-urlencoded';
const NEUTRAL = 'If an account exists for that address, we’ve emailed it a link to choose a new password.';

interface Recorder extends MailTransport {
  sent: { email: OutgoingEmail; key: string }[];
  /** Outcomes for the next calls, in order (then every call is accepted). */
  script: BatchOutcome[];
}

function recorder(): Recorder {
  const sent: Recorder['sent'] = [];
  const script: BatchOutcome[] = [];
  return {
    name: 'recorder',
    maxBatch: 100,
    sent,
    script,
    async sendBatch(batch, key) {
      const scripted = script.shift();
      if (scripted) return scripted;
      sent.push(...batch.map((email) => ({ email, key })));
      return { kind: 'accepted', results: batch.map((_, i) => ({ id: `msg-${sent.length}-${i}` })) };
    },
  };
}

async function setup(): Promise<{ deps: TestDeps; mail: Recorder; lead: TestSession }> {
  const mail = recorder();
  const deps = Object.assign(await createTestDeps(), { mail });
  const lead = await signIn(deps, 'comms', 'lead@example.com');
  return { deps, mail, lead };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** The pre-auth form cookie and its token, from GET /admin/forgot. */
async function forgotForm(deps: TestDeps): Promise<{ cookie: string; csrf: string; page: Answer }> {
  const res = await createApp(deps).request('/admin/forgot');
  const text = await res.text();
  return {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? '',
    page: { status: res.status, headers: res.headers, text },
  };
}

/** Submits the form (reusing `form` when given, so two answers can be compared byte for byte), then waits for the deferred work. */
async function requestReset(
  deps: TestDeps,
  email: string | string[],
  options: { ip?: string; form?: { cookie: string; csrf: string } } = {},
): Promise<Answer> {
  const form = options.form ?? (await forgotForm(deps));
  const body = new URLSearchParams({ _csrf: form.csrf });
  for (const value of [email].flat()) body.append('email', value);
  const res = await createApp(deps).request('/admin/forgot', {
    method: 'POST',
    headers: { Cookie: form.cookie, 'Content-Type': FORM, 'X-Test-Client': options.ip ?? '198.51.100.7' },
    body,
  });
  const answer = { status: res.status, headers: res.headers, text: await res.text() };
  await deps.settle();
  return answer;
}



describe('forgot your password', () => {
  it('is linked from the sign-in page when email works; without email the page says to ask an owner', async () => {
    const { deps } = await setup();
    const signInPage = await (await createApp(deps).request('/admin/login')).text();
    expect(signInPage).toContain('href="/admin/forgot"');
    const { page } = await forgotForm(deps);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('action="/admin/forgot"');

    const off = Object.assign(await createTestDeps(), { mail: null });
    const offLogin = await (await createApp(off).request('/admin/login')).text();
    expect(offLogin).not.toContain('/admin/forgot');
    expect(textOf(offLogin)).toContain('Ask an owner of this page for a reset link.');
    const offPage = await forgotForm(off);
    expect(offPage.page.status).toBe(404);
    expect(textOf(offPage.page.text)).toContain('ask an owner of this page for a password link');
    expect(offPage.page.text).not.toContain('action="/admin/forgot"');
    expect((await requestReset(off, 'lead@example.com', { form: offPage })).status).toBe(404);
  });

  it('emails one link that works end to end; sessions end only when the new password is set', async () => {
    const { deps, mail, lead } = await setup();
    const res = await requestReset(deps, '  Lead@Example.com ');
    expect(res.status).toBe(200);
    expect(textOf(res.text)).toContain(NEUTRAL);
    expect(res.text).not.toContain('name="email"');

    expect(mail.sent).toHaveLength(1);
    const { email, key } = mail.sent[0]!;
    expect(email.to).toBe('lead@example.com');
    expect(email.subject).toBe('Reset your password for Test Cloud');
    // Transactional: no list headers.
    expect(email.headers).toEqual({});
    const link = passwordLinkIn(email.text);
    expect(email.html).toContain(`href="${link}"`);
    expect(email.text).toContain('expires 24 Nov 2026, 12:00 UTC (24 hours after');
    expect(email.text).toContain('If you didn’t ask for this, ignore this email: your password is unchanged');
    expect(key).toMatch(/^herald-password\//);
    expect(key).not.toContain(link.split('/').pop());

    // Asking signed nobody out, and the request is in the audit log.
    expect((await adminGet(deps, '/admin', lead)).status).toBe(200);
    const audit = (await deps.repos.audit.list({ limit: 10 })).find((row) => row.action === 'user.reset_requested');
    expect(audit).toMatchObject({ actor: 'system: forgot password form', actorId: null, targetId: lead.userId });
    // The token is never logged.
    expect(JSON.stringify(deps.log.lines)).not.toContain(link.split('/').pop());

    const page = await createApp(deps).request(new URL(link).pathname);
    expect(textOf(await page.text())).toContain('Choose a password for lead@example.com.');
    expect((await adminGet(deps, '/admin', lead)).status).toBe(200);
    const set = await usePasswordLink(deps, link, 'a fresh long passphrase');
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe('/admin/login?notice=password-set');
    // Now the old session is gone, the new password works and the old one does not.
    expect((await adminGet(deps, '/admin', lead)).status).toBe(303);
    await expect(login(deps, { email: 'lead@example.com', password: 'a fresh long passphrase' }, '192.0.2.40')).resolves.toBeTruthy();
    await expect(login(deps, { email: 'lead@example.com', password: TEST_PASSWORD }, '192.0.2.41')).rejects.toThrow('Wrong email or password.');
  });

  it('answers an unknown address and a disabled account exactly like a real one, and emails neither', async () => {
    const { deps, mail } = await setup();
    const disabled = await signIn(deps, 'viewer', 'gone@example.com');
    await deps.db.atomic([deps.repos.accounts.updateUser(disabled.userId, { disabledAt: deps.clock.now() })]);
    const form = await forgotForm(deps);
    const known = await requestReset(deps, 'lead@example.com', { form });
    const unknown = await requestReset(deps, 'nobody@example.com', { form });
    const off = await requestReset(deps, 'gone@example.com', { form });
    for (const answer of [unknown, off]) {
      expect(answer.status).toBe(known.status);
      expect(answer.text).toBe(known.text);
      expect(answer.headers.get('set-cookie')).toBe(known.headers.get('set-cookie'));
    }
    expect(mail.sent.map((s) => s.email.to)).toEqual(['lead@example.com']);
    expect((await deps.repos.audit.list({ limit: 20 })).filter((row) => row.action === 'user.reset_requested')).toHaveLength(1);
  });

  it('takes 5 requests per client address an hour, then answers 429; other addresses are unaffected', async () => {
    const { deps, mail } = await setup();
    for (let i = 0; i < 5; i++) expect((await requestReset(deps, `n${i}@example.com`, { ip: '203.0.113.5' })).status).toBe(200);
    const refused = await requestReset(deps, 'lead@example.com', { ip: '203.0.113.5' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3600');
    expect(textOf(refused.text)).toContain('Too many password requests from your network. Try again in an hour');
    expect(refused.text).toContain('value="lead@example.com"');
    expect(mail.sent).toHaveLength(0);
    expect((await requestReset(deps, 'lead@example.com', { ip: '203.0.113.6' })).status).toBe(200);
    expect(mail.sent).toHaveLength(1);
    deps.clock.advance(HOUR);
    expect((await requestReset(deps, 'lead@example.com', { ip: '203.0.113.5' })).status).toBe(200);
    expect(mail.sent).toHaveLength(2);
  });

  it('emails one account at most 3 times an hour, with the same neutral answer after that', async () => {
    const { deps, mail } = await setup();
    const answers: Answer[] = [];
    const form = await forgotForm(deps);
    for (let i = 0; i < 5; i++) {
      answers.push(await requestReset(deps, 'lead@example.com', { ip: `203.0.113.${10 + i}`, form }));
      deps.clock.advance(MINUTE);
    }
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
    expect(answers[0]!.status).toBe(200);
    expect(mail.sent).toHaveLength(3);
    expect(deps.log.lines.some((line) => line.message.includes('hourly limit reached'))).toBe(true);
    deps.clock.advance(HOUR);
    await requestReset(deps, 'lead@example.com', { ip: '203.0.113.20' });
    expect(mail.sent).toHaveLength(4);
  });

  it('gives bad input the form back with a message (400), never a 500, and emails nobody', async () => {
    const { deps, mail } = await setup();
    for (const input of ['not-an-email', '', '"><script>alert(1)</script>@x', 'x'.repeat(100_000), ['lead@example.com', 'other@example.com']]) {
      const res = await requestReset(deps, input);
      expect(res.status, String(input).slice(0, 40)).toBe(400);
      expect(textOf(res.text)).toContain('Enter the email address you sign in with, such as name@example.com.');
      expect(res.text).toContain('action="/admin/forgot"');
      expect(res.text).toContain('aria-invalid="true"');
      expect(inspectHtml(res.text).problems).toEqual([]);
    }
    expect((await requestReset(deps, '"><script>alert(1)</script>')).text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(mail.sent).toHaveLength(0);
  });

  it('refuses a form without its token (CSRF) and sends nothing', async () => {
    const { deps, mail } = await setup();
    const form = await forgotForm(deps);
    const other = await forgotForm(deps);
    expect((await requestReset(deps, 'lead@example.com', { form: { cookie: form.cookie, csrf: other.csrf } })).status).toBe(403);
    expect((await requestReset(deps, 'lead@example.com', { form: { cookie: '', csrf: form.csrf } })).status).toBe(403);
    expect(mail.sent).toHaveLength(0);
  });

  it('emailed links work once and expire after 24 hours', async () => {
    const { deps, mail } = await setup();
    await requestReset(deps, 'lead@example.com');
    const first = passwordLinkIn(mail.sent[0]!.email.text);
    expect((await usePasswordLink(deps, first, 'first new passphrase')).status).toBe(303);
    expect((await createApp(deps).request(new URL(first).pathname)).status).toBe(404);

    await requestReset(deps, 'lead@example.com');
    const second = passwordLinkIn(mail.sent[1]!.email.text);
    deps.clock.advance(24 * HOUR + 1);
    const expired = await createApp(deps).request(new URL(second).pathname);
    expect(expired.status).toBe(404);
    expect(textOf(await expired.text())).toContain('Forgot your password?');
    await expect(login(deps, { email: 'lead@example.com', password: 'first new passphrase' }, '192.0.2.42')).resolves.toBeTruthy();
  });

  it('retries once with the same idempotency key when the transport says so, and logs a failure without the link', async () => {
    const { deps, mail } = await setup();
    mail.script.push({ kind: 'retry', error: '429 rate limited', retryAfterMs: 1 });
    await requestReset(deps, 'lead@example.com');
    expect(mail.sent).toHaveLength(1);

    mail.script.push({ kind: 'rejected', error: 'invalid from address' });
    await requestReset(deps, 'lead@example.com');
    expect(mail.sent).toHaveLength(1);
    const failure = deps.log.lines.find((line) => line.level === 'error');
    expect(failure).toMatchObject({ message: 'password email not sent', fields: { kind: 'reset', outcome: 'rejected', error: 'invalid from address' } });
    expect(JSON.stringify(deps.log.lines)).not.toMatch(/\/admin\/reset\/[A-Za-z0-9_-]{43}/);
  });

  it('escapes a hostile page name in the HTML part and keeps every header on one line', async () => {
    const { deps, mail } = await setup();
    await deps.db.atomic([deps.repos.settings.update({ name: '<script>alert(1)</script>\r\nBcc: evil@example.com', updatedAt: deps.clock.now() })]);
    await requestReset(deps, 'lead@example.com');
    const { email } = mail.sent[0]!;
    expect(email.subject).toBe('Reset your password for <script>alert(1)</script> Bcc: evil@example.com');
    for (const value of [email.to, email.subject, ...Object.values(email.headers)]) expect(value).not.toMatch(/[\r\n]/);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(inspectHtml(email.html).problems).toEqual([]);
    expect(email.text).toContain('for lead@example.com on\nthe <script>alert(1)</script> Bcc: evil@example.com status page.');
  });
});

describe('emails from the Team page', () => {
  async function teamSetup() {
    const ctx = await setup();
    const owner = await signIn(ctx.deps, 'owner', 'ada@example.com');
    await ctx.deps.db.atomic([ctx.deps.repos.accounts.updateUser(owner.userId, { name: 'Ada <b>Lovelace</b>' })]);
    return { ...ctx, owner };
  }

  it('offers "Email the link" ticked by default, and not without mail', async () => {
    const { deps, owner, lead } = await teamSetup();
    const page = await adminGet(deps, '/admin/team', owner);
    expect(page.text).toContain('<input type="checkbox" name="send_email" value="1" checked> Email the link to the address above');
    expect(textOf(page.text)).toContain('Email the link to lead@example.com');
    expect(page.text).toContain(`action="/admin/team/${lead.userId}/reset"`);
    const off = Object.assign(deps, { mail: null });
    expect((await adminGet(off, '/admin/team', owner)).text).not.toContain('send_email');
  });

  it('emails an invitation when the box is ticked, and shows the same link', async () => {
    const { deps, mail, owner } = await teamSetup();
    const res = await adminPost(deps, '/admin/team', owner, { name: 'Grace Hopper', email: 'grace@example.com', role: 'comms', send_email: '1' });
    expect(res.status).toBe(200);
    expect(textOf(res.text)).toContain('We emailed them an invitation with this link to grace@example.com');
    expect(mail.sent).toHaveLength(1);
    const { email } = mail.sent[0]!;
    expect(email.to).toBe('grace@example.com');
    expect(email.subject).toBe('You’re invited to the Test Cloud status page');
    expect(email.headers).toEqual({});
    expect(email.text).toContain('Hello Grace Hopper,');
    expect(email.text).toContain('Ada <b>Lovelace</b> added you (grace@example.com) to the team of the');
    expect(email.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt; added you');
    const link = passwordLinkIn(email.text);
    expect(res.text).toContain(link);
    expect((await usePasswordLink(deps, link, 'graces own passphrase')).status).toBe(303);
    await expect(login(deps, { email: 'grace@example.com', password: 'graces own passphrase' }, '192.0.2.43')).resolves.toBeTruthy();
  });

  it('sends nothing when the box is not ticked', async () => {
    const { deps, mail, owner, lead } = await teamSetup();
    const added = await adminPost(deps, '/admin/team', owner, { name: 'Grace', email: 'grace@example.com', role: 'viewer' });
    expect(textOf(added.text)).toContain('No email was sent, so send this link to them yourself');
    const reset = await adminPost(deps, `/admin/team/${lead.userId}/reset`, owner, {});
    expect(reset.status).toBe(200);
    expect(mail.sent).toHaveLength(0);
  });

  it('emails an owner-issued reset link, which still ends the member’s sessions at once', async () => {
    const { deps, mail, owner, lead } = await teamSetup();
    const res = await adminPost(deps, `/admin/team/${lead.userId}/reset`, owner, { send_email: '1' });
    expect(textOf(res.text)).toContain('We emailed this link to lead@example.com');
    expect((await adminGet(deps, '/admin', lead)).status).toBe(303);
    expect(mail.sent).toHaveLength(1);
    const { email } = mail.sent[0]!;
    expect(email.subject).toBe('Reset your password for Test Cloud');
    expect(email.text).toContain('Ada <b>Lovelace</b>, an owner of the Test Cloud status page,');
    expect(res.text).toContain(passwordLinkIn(email.text));
  });

  it('says so when the email could not be sent, and still shows the link', async () => {
    const { deps, mail, owner } = await teamSetup();
    mail.script.push({ kind: 'rejected', error: 'domain not verified' });
    const res = await adminPost(deps, '/admin/team', owner, { name: 'Grace', email: 'grace@example.com', role: 'viewer', send_email: '1' });
    expect(res.status).toBe(200);
    expect(textOf(res.text)).toContain('The invitation email could not be sent (the server log says why), so send this link to them yourself');
    expect(res.text).toMatch(/\/admin\/reset\/[A-Za-z0-9_-]{43}/);
    expect(deps.log.lines.find((line) => line.level === 'error')).toMatchObject({ fields: { kind: 'invite', error: 'domain not verified' } });
  });
});

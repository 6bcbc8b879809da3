import { Hono } from 'hono';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Deps } from '../../deps.js';
import { constantTimeEqual, randomToken } from '../../lib/crypto.js';
import { AppError, ForbiddenError, retryAfterHeader, TooManyRequestsError, ValidationError } from '../../lib/errors.js';
import { presentPage } from '../../presenters/page.js';
import { checkSetupToken, completeSetup, setPasswordWithLink, userForResetToken } from '../../services/auth/accounts.js';
import { requestPasswordReset } from '../../services/auth/password-mail.js';
import { login, logout, openSession, SESSION_IDLE_MS } from '../../services/auth/sessions.js';
import { loadSettings } from '../../services/settings/reads.js';
import { baseUrlFor } from '../base-url.js';
import { formOf, isHttps, requirePermission, SESSION_COOKIE, type AdminEnv } from './context.js';

/** Forms shown before sign-in are protected by a double-submit cookie. */
const PRE_AUTH_COOKIE = 'herald_form';

/** Only same-site admin paths may be returned to after sign-in (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/[\w\-./?=&%]*)?$/.test(next) && !next.startsWith('//') ? next : '/admin';
}

/** Sign-in, sign-out, first-owner setup, password links and "Forgot your password?". */
export function authRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  const formToken = (c: Context): string => {
    let token = getCookie(c, PRE_AUTH_COOKIE);
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      token = randomToken();
      setCookie(c, PRE_AUTH_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure: isHttps(deps, c), path: '/admin' });
    }
    return token;
  };
  const checkFormToken = (c: Context, form: Record<string, unknown>): void => {
    const cookie = getCookie(c, PRE_AUTH_COOKIE) ?? '';
    if (!cookie || typeof form._csrf !== 'string' || !constantTimeEqual(cookie, form._csrf)) {
      throw new ForbiddenError('This form has expired. Reload the page and try again.');
    }
  };
  const render = async (c: Context, view: string, data: Record<string, unknown>, status: 200 | 400 | 401 | 403 | 404 | 409 | 429 = 200) => {
    const page = presentPage(await loadSettings(deps));
    c.header('Cache-Control', 'no-store');
    return c.html(deps.views.render(`admin/${view}`, { ...data, page, csrf: formToken(c), mailEnabled: deps.mail !== null }), status);
  };
  const errorsOf = (error: AppError) => ({ message: error.message, fields: error.fields });
  const startSession = (c: Context, token: string): void => {
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: isHttps(deps, c),
      path: '/',
      maxAge: SESSION_IDLE_MS / 1000,
    });
  };

  app.get('/login', (c) => render(c, 'login', { title: 'Sign in', next: safeNext(c.req.query('next')), notice: c.req.query('notice') === 'password-set' ? 'Your password is set. Sign in with it.' : null }));

  app.post('/login', async (c) => {
    const form = await formOf(c);
    checkFormToken(c, form);
    const next = safeNext(form.next);
    try {
      const { token } = await login(deps, { email: form.email, password: form.password }, deps.clientAddress(c.req.raw, c.env));
      startSession(c, token);
      return c.redirect(next, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      for (const [name, value] of Object.entries(retryAfterHeader(error))) c.header(name, value);
      return render(c, 'login', { title: 'Sign in', next, email: form.email, errors: errorsOf(error) }, error.status as 400);
    }
  });

  /*
   * "Forgot your password?" (only where email works; elsewhere the page says
   * to ask an owner, with a 404). The answer never depends on the address:
   * the service looks the account up and emails it after the response.
   */
  const forgotView = { title: 'Forgot your password?' };

  app.get('/forgot', (c) => render(c, 'forgot', { ...forgotView, email: '' }, deps.mail ? 200 : 404));

  app.post('/forgot', async (c) => {
    const mail = deps.mail;
    if (!mail) return render(c, 'forgot', { ...forgotView, email: '' }, 404);
    const form = await formOf(c);
    checkFormToken(c, form);
    const email = typeof form.email === 'string' ? form.email : '';
    try {
      const baseUrl = baseUrlFor(deps, c, (await loadSettings(deps)).url);
      await requestPasswordReset({ ...deps, mail }, { email }, { address: deps.clientAddress(c.req.raw, c.env), baseUrl });
    } catch (error) {
      const typed = { ...forgotView, email: email.slice(0, 320) };
      if (error instanceof ValidationError) {
        return render(c, 'forgot', { ...typed, invalid: true, errors: { message: 'Enter the email address you sign in with, such as name@example.com.' } }, 400);
      }
      if (!(error instanceof TooManyRequestsError)) throw error;
      for (const [name, value] of Object.entries(retryAfterHeader(error))) c.header(name, value);
      return render(c, 'forgot', { ...typed, errors: { message: error.message } }, 429);
    }
    return render(c, 'forgot', { ...forgotView, sent: true });
  });

  app.post('/logout', requirePermission(deps, 'admin:read'), async (c) => {
    await logout(deps, c.get('sessionToken'), c.get('actor'));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/admin/login', 303);
  });

  const setupView = { title: 'Create the owner account', heading: 'Create the owner account', intro: 'You are setting up this status page. The owner manages the team, settings and everything else.', askIdentity: true, button: 'Create account and sign in' };

  app.get('/setup/:token', async (c) => {
    const token = c.req.param('token');
    if (!(await checkSetupToken(deps, token))) {
      return render(c, 'set-password', { ...setupView, intro: '', invalidLink: true, errors: { message: 'This setup link has expired or was already used. Restart Herald for a new one, or run npm run admin -- create-owner.' } }, 404);
    }
    return render(c, 'set-password', { ...setupView, action: `/admin/setup/${token}` });
  });

  app.post('/setup/:token', async (c) => {
    const token = c.req.param('token');
    const form = await formOf(c);
    checkFormToken(c, form);
    try {
      const user = await completeSetup(deps, token, { email: String(form.email ?? ''), password: String(form.password ?? ''), name: String(form.name ?? '') });
      // The password was just chosen: no second check (and no second hash) to sign in.
      const session = await openSession(deps, user);
      startSession(c, session.token);
      return c.redirect('/admin', 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return render(c, 'set-password', { ...setupView, action: `/admin/setup/${token}`, name: form.name, email: form.email, errors: errorsOf(error) }, error.status as 400);
    }
  });

  const resetView = { title: 'Choose a password', heading: 'Choose a password', askIdentity: false, button: 'Save password' };

  app.get('/reset/:token', async (c) => {
    const token = c.req.param('token');
    const user = await userForResetToken(deps, token);
    if (!user) {
      const message = `This link has expired or was already used. ${deps.mail ? 'Ask for a new one with “Forgot your password?” on the sign-in page, or ask an owner.' : 'Ask an owner for a new one.'}`;
      return render(c, 'set-password', { ...resetView, intro: '', invalidLink: true, errors: { message } }, 404);
    }
    return render(c, 'set-password', { ...resetView, intro: `Choose a password for ${user.email}.`, email: user.email, action: `/admin/reset/${token}` });
  });

  app.post('/reset/:token', async (c) => {
    const token = c.req.param('token');
    const form = await formOf(c);
    checkFormToken(c, form);
    try {
      await setPasswordWithLink(deps, token, form.password);
      return c.redirect('/admin/login?notice=password-set', 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return render(c, 'set-password', { ...resetView, intro: '', action: `/admin/reset/${token}`, errors: errorsOf(error) }, error.status as 400);
    }
  });

  return app;
}

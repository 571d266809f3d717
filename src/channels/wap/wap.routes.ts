/**
 * The WAP pages (INTERFACES §7), server-rendered for a 240-pixel browser with no JavaScript. Every post
 * is read by `normalizeWap` first (CSRF token, session, form key), then its fields are checked (an error
 * sends the form back, nothing run), then its command goes to the command bus under the key
 * `wap:<msisdn>:<form key>`: a double submit, or the form posted again from the back button, is the same
 * command and runs once. The outcome is kept under the form key and the browser redirected to a page
 * that shows it (post/redirect/get): a refresh shows it again and runs nothing.
 *
 * The pages step no flow on the session runtime (a form is a whole journey at once), but they report to
 * its metrics hooks as every channel does: each post a step, a login a session begun, a logout its end.
 */
import { parseCookie } from 'cookie';
import { type Request, type Response, Router } from 'express';
import { type Locale, money, refusalText } from '../../../flows/texts/index.js';
import type { CommandResult } from '../../commands/index.js';
import { mountPages, nationalMsisdn } from '../../lib/index.js';
import { sessionTtlSeconds } from '../../sessions/index.js';
import { type ChannelDeps, isRejected } from '../channel.js';
import { termsRoutes } from './terms.routes.js';
import {
  type CommandForm,
  commandForms,
  type FieldSpec,
  type FormShape,
  fieldErrors,
  keptValues,
  loginForm,
  openForm,
} from './wap.forms.js';
import { CSRF_REFUSED, normalizeWap, type WapInbound } from './wap.request.js';
import { createWapSessions, type FormOutcome, newFormKey, type WapSession } from './wap.session.js';
import { type WapTextKey, wapText } from './wap.texts.js';
import {
  type FieldView,
  formPage,
  type LinkItem,
  type PageView,
  plainPage,
  STYLESHEET,
} from './wap.views.js';

export type WapDeps = Pick<
  ChannelDeps,
  'config' | 'redis' | 'keys' | 'bus' | 'handOff' | 'logger' | 'runtime'
>;

const COOKIE = 'wap_sid';
/** Transactions a page of `/wap/transactions`, and pages at most (the statement holds 50). */
const PER_PAGE = 10;
const MAX_PAGES = 5;
/** How long a page waits for its command before saying the result comes by SMS. */
const COMMAND_WAIT_MS = 10_000;

/** Who a statement line is with, in words: a phone number, a merchant's code, or what the platform account is. */
function counterpartyWords(locale: Locale, line: Record<string, unknown>): string {
  const who = String(line.counterparty ?? '');
  if (line.counterpartyKind !== 'system') return who;
  if (who === 'card_float' || who === 'bank_clearing') return wapText(locale, `tx.${who}`);
  return wapText(locale, 'tx.system');
}

export function wapRoutes(deps: WapDeps): Router {
  const { config, bus, handOff } = deps;
  const { metrics } = deps.runtime;
  const sessions = createWapSessions({
    redis: deps.redis,
    keys: deps.keys,
    prefix: config.redisPrefix,
    ttlSeconds: sessionTtlSeconds.wap,
  });
  const secure = (config.publicUrl ?? '').startsWith('https:');
  const router = Router();

  mountPages(router, '/wap', STYLESHEET, secure);
  router.use(termsRoutes(config.locale));

  const setCookie = (res: Response, session: WapSession) =>
    res.cookie(COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/wap',
      maxAge: sessionTtlSeconds.wap * 1000,
    });
  const tokenOf = (req: Request) => parseCookie(req.headers.cookie ?? '')[COOKIE];
  const html = (res: Response, page: string, status = 200) => res.status(status).type('html').send(page);
  const askedLocale = (req: Request): Locale | null =>
    req.query.lang === 'en' || req.query.lang === 'zh-CN' ? req.query.lang : null;

  /** The visitor's session, opened (with its cookie) when there is none. */
  async function visitor(req: Request, res: Response): Promise<WapSession> {
    let session = await sessions.read(tokenOf(req));
    const asked = askedLocale(req);
    if (!session) {
      session = await sessions.open(asked ?? config.locale);
      setCookie(res, session);
    } else if (asked && asked !== session.locale) {
      session.locale = asked;
      await sessions.save(session);
    }
    return session;
  }

  /** A page of a logged-in user: `build` makes it from the session; no session, the login page. */
  function userPage(
    path: string,
    build: (session: WapSession & { msisdn: string }, req: Request) => Promise<PageView>,
  ) {
    router.get(path, async (req, res) => {
      const session = await user(req, res);
      if (session) html(res, plainPage(await build(session, req)));
    });
  }

  /** The logged-in session, or null after redirecting to the login page. */
  async function user(req: Request, res: Response): Promise<(WapSession & { msisdn: string }) | null> {
    const session = await sessions.read(tokenOf(req));
    if (!session?.msisdn) {
      res.redirect(303, '/wap/login');
      return null;
    }
    return session as WapSession & { msisdn: string };
  }

  const fieldViews = (
    locale: Locale,
    fields: FieldSpec[],
    values: Record<string, string>,
    errors: Record<string, string>,
  ): FieldView[] =>
    fields.map((f) => ({
      name: f.name,
      label: wapText(locale, f.label),
      type: f.type,
      max: f.max,
      numeric: f.numeric,
      value: f.type === 'password' ? '' : (values[f.name] ?? ''),
      error: errors[f.name],
    }));
  const errorTexts = (locale: Locale, errors: Record<string, WapTextKey>) =>
    Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, wapText(locale, v)]));

  // --- login, open, logout -------------------------------------------------------------------------------
  /** What a form page shows besides its shape: the values kept, the errors beside them, one above. */
  interface FormState {
    values?: Record<string, string>;
    errors?: Record<string, string>;
    error?: string;
    formKey?: string;
  }
  function formOf(shape: FormShape, session: WapSession, state: FormState = {}) {
    const locale = session.locale;
    return formPage({
      lang: locale,
      title: wapText(locale, shape.title),
      intro: shape.intro?.map((key) => wapText(locale, key)),
      action: shape.path,
      csrf: session.csrf,
      formKey: state.formKey ?? newFormKey(),
      fields: fieldViews(locale, shape.fields, state.values ?? {}, state.errors ?? {}),
      submit: wapText(locale, shape.submit),
      error: state.error,
      links: shape.links?.(locale),
      home: shape.home ? wapText(locale, 'nav.home') : undefined,
    });
  }

  router.get('/wap/login', async (req, res) => {
    const session = await visitor(req, res);
    const outcome = typeof req.query.r === 'string' ? await sessions.outcome(session, req.query.r) : null;
    html(res, formOf(loginForm, session, { values: outcome?.fields, error: outcome?.text }));
  });

  router.get('/wap/open', async (req, res) => {
    const session = await visitor(req, res);
    const outcome = typeof req.query.r === 'string' ? await sessions.outcome(session, req.query.r) : null;
    if (outcome) return void html(res, messagePage(session.locale, outcome.text, false));
    html(res, formOf(openForm, session));
  });

  userPage('/wap/logout', async (session) => {
    const locale = session.locale;
    return {
      lang: locale,
      title: wapText(locale, 'logout.title'),
      lines: [{ text: wapText(locale, 'logout.ask') }],
      logout: { csrf: session.csrf, formKey: newFormKey(), label: wapText(locale, 'logout.submit') },
      home: wapText(locale, 'nav.home'),
    };
  });

  // --- pages ---------------------------------------------------------------------------------------------
  function messagePage(locale: Locale, message: string, loggedIn: boolean, more: LinkItem[] = []) {
    return plainPage({
      lang: locale,
      title: wapText(locale, 'app.title'),
      lines: message.split('\n').map((t) => ({ text: t })),
      menu: loggedIn ? more : [{ key: '1', href: '/wap/login', label: wapText(locale, 'login.title') }],
      home: loggedIn ? wapText(locale, 'nav.home') : undefined,
    });
  }

  /** Runs a form's command; its job carries the id of the request that posted it (for the worker's log). */
  const run = (
    session: { msisdn: string },
    formKey: string,
    command: ReturnType<CommandForm['command']>,
    res: Response,
  ) =>
    bus.execute({ key: `wap:${session.msisdn}:${formKey}`, ...command }, COMMAND_WAIT_MS, {
      smsIfLate: true,
      requestId: (res.locals.requestContext as { id?: string } | undefined)?.id,
    });
  const read = (session: { msisdn: string }, command: ReturnType<CommandForm['command']>) =>
    bus.execute({ key: `wap:${session.msisdn}:read:${newFormKey()}`, ...command }, COMMAND_WAIT_MS);

  userPage('/wap', async (session) => {
    const locale = session.locale;
    const result = await read(session, { type: 'balance', input: { msisdn: session.msisdn } });
    const lines = result.ok
      ? [
          {
            text: `${wapText(locale, 'home.balance')} ${money(BigInt(String(result.value.balance)))}`,
            strong: true,
          },
          { text: `${wapText(locale, 'home.available')} ${money(BigInt(String(result.value.available)))}` },
          ...(result.value.status === 'frozen' ? [{ text: wapText(locale, 'home.frozen') }] : []),
        ]
      : [{ text: refusalText(locale, result.error) }];
    return {
      lang: locale,
      title: `${wapText(locale, 'app.title')} ${nationalMsisdn(session.msisdn)}`,
      lines,
      menu: [
        { key: '1', href: '/wap', label: wapText(locale, 'menu.balance') },
        { key: '2', href: '/wap/topup', label: wapText(locale, 'menu.topup') },
        { key: '3', href: '/wap/pay', label: wapText(locale, 'menu.pay') },
        { key: '4', href: '/wap/transfer', label: wapText(locale, 'menu.transfer') },
        { key: '5', href: '/wap/transactions', label: wapText(locale, 'menu.transactions') },
        { key: '6', href: '/wap/account', label: wapText(locale, 'menu.account') },
        { key: '9', href: `/wap/terms?lang=${locale}`, label: wapText(locale, 'menu.terms') },
      ],
      logout: { csrf: session.csrf, formKey: newFormKey(), label: wapText(locale, 'logout.submit') },
    };
  });

  userPage('/wap/account', async (session) => {
    const locale = session.locale;
    return {
      lang: locale,
      title: wapText(locale, 'account.title'),
      menu: [
        { key: '1', href: '/wap/pin', label: wapText(locale, 'account.pin') },
        { key: '2', href: '/wap/freeze', label: wapText(locale, 'account.freeze') },
        { key: '3', href: '/wap/unfreeze', label: wapText(locale, 'account.unfreeze') },
        { key: '7', href: '/wap/password', label: wapText(locale, 'account.password') },
      ],
      home: wapText(locale, 'nav.home'),
    };
  });

  userPage('/wap/transactions', async (session, req) => {
    const locale = session.locale;
    const asked = Number(typeof req.query.page === 'string' ? req.query.page : '0');
    const page = Number.isInteger(asked) && asked >= 0 && asked < MAX_PAGES ? asked : 0;
    const limit = Math.min(PER_PAGE * MAX_PAGES, (page + 1) * PER_PAGE + 1);
    const result = await read(session, { type: 'statement', input: { msisdn: session.msisdn, limit } });
    const all =
      result.ok && Array.isArray(result.value.lines) ? (result.value.lines as Record<string, unknown>[]) : [];
    const shown = all.slice(page * PER_PAGE, (page + 1) * PER_PAGE);
    const menu: LinkItem[] = [];
    if (all.length > (page + 1) * PER_PAGE && page + 1 < MAX_PAGES)
      menu.push({ key: '9', href: `/wap/transactions?page=${page + 1}`, label: wapText(locale, 'tx.next') });
    if (page > 0)
      menu.push({ key: '8', href: `/wap/transactions?page=${page - 1}`, label: wapText(locale, 'tx.prev') });
    return {
      lang: locale,
      title: `${wapText(locale, 'tx.title')}${page > 0 ? ` (${page + 1})` : ''}`,
      lines: !result.ok
        ? [{ text: refusalText(locale, result.error) }]
        : shown.length === 0
          ? [{ text: wapText(locale, 'tx.empty') }]
          : undefined,
      rows: shown.map((line) => {
        const amount = String(line.amount ?? '0');
        const out = amount.startsWith('-');
        return {
          date: String(line.at ?? '').slice(5, 10),
          amount: `${out ? '-' : '+'}${money(BigInt(out ? amount.slice(1) : amount))}`,
          who: counterpartyWords(locale, line),
        };
      }),
      menu,
      home: wapText(locale, 'nav.home'),
    };
  });

  // --- the forms that run a command ----------------------------------------------------------------------
  for (const spec of commandForms) {
    router.get(spec.path, async (req, res) => {
      const session = await user(req, res);
      if (!session) return;
      const outcome = typeof req.query.r === 'string' ? await sessions.outcome(session, req.query.r) : null;
      if (outcome?.ok)
        return void html(
          res,
          messagePage(session.locale, outcome.text, true, [
            { key: '1', href: spec.path, label: wapText(session.locale, spec.title) },
          ]),
        );
      if (outcome) {
        const beside = outcome.field ? { [outcome.field]: outcome.text } : {};
        return void html(
          res,
          formOf(spec, session, {
            values: outcome.fields,
            errors: beside,
            error: outcome.field ? undefined : outcome.text,
          }),
        );
      }
      html(res, formOf(spec, session));
    });
  }
  const specOf = new Map(commandForms.map((s) => [s.form, s]));

  /** A command's outcome as the page after the redirect shows it. */
  function outcomeOf(
    spec: CommandForm,
    locale: Locale,
    result: CommandResult,
    values: Record<string, string>,
  ): FormOutcome {
    if (result.ok) return { ok: true, text: spec.done(locale, result.value, values) };
    return {
      ok: false,
      text: refusalText(locale, result.error),
      fields: keptValues(spec.fields, values),
      field: spec.refusalField[result.error.code],
    };
  }

  router.post(
    [...commandForms.map((s) => s.path), '/wap/login', '/wap/open', '/wap/logout'],
    async (req, res) => {
      const session = await sessions.read(tokenOf(req));
      const inbound = normalizeWap({ path: req.path, body: req.body, session });
      if (isRejected(inbound)) {
        if (inbound.status === 401) return void res.redirect(303, '/wap/login');
        const locale = session?.locale ?? config.locale;
        const message = inbound.rejected === CSRF_REFUSED ? wapText(locale, 'error.csrf') : inbound.rejected;
        return void html(
          res,
          plainPage({ lang: locale, title: wapText(locale, 'error.title'), lines: [{ text: message }] }),
          inbound.status,
        );
      }
      // `normalizeWap` refused a post without a session.
      const current = session as WapSession;
      const formKey = inbound.request as string;
      const began = performance.now();
      try {
        await answer(inbound, current, formKey, res);
      } catch (err) {
        metrics.step('wap', 'failed', (performance.now() - began) / 1000);
        throw err;
      }
      metrics.step('wap', 'answered', (performance.now() - began) / 1000);
    },
  );

  /**
   * Sends the form back when a field fails its check: the error beside it, the other fields kept (no
   * secret one), the same form key (nothing ran under it). Says whether it did.
   */
  async function sentBack(shape: FormShape, inbound: WapInbound, session: WapSession, res: Response) {
    const errors = fieldErrors(shape.fields, inbound.fields);
    if (!Object.keys(errors).length) return false;
    const state = {
      values: keptValues(shape.fields, inbound.fields),
      errors: errorTexts(session.locale, errors),
      formKey: inbound.request,
    };
    html(res, formOf(shape, session, state));
    return true;
  }

  async function answer(inbound: WapInbound, session: WapSession, formKey: string, res: Response) {
    const locale = session.locale;
    const values = inbound.fields;
    if (inbound.form === 'logout') {
      await sessions.end(session.token);
      if (session.msisdn) metrics.ended('wap', 'closed');
      res.clearCookie(COOKIE, { path: '/wap' });
      const fresh = await sessions.open(locale);
      setCookie(res, fresh);
      return void res.redirect(303, '/wap/login');
    }
    if (inbound.form === 'login') {
      if (await sentBack(loginForm, inbound, session, res)) return;
      const result = await run(
        { msisdn: inbound.msisdn },
        formKey,
        { type: 'login.check', input: { msisdn: inbound.msisdn, password: values.password } },
        res,
      );
      if (result.ok) {
        // A new session on login: a token seen before it (session fixation) is worth nothing after.
        await sessions.end(session.token);
        const profile =
          result.value.locale === 'en' || result.value.locale === 'zh-CN' ? result.value.locale : locale;
        const logged = await sessions.open(profile, inbound.msisdn);
        // A user's session begins at login (before it, a visitor's holds only the language and CSRF token).
        metrics.started('wap');
        setCookie(res, logged);
        return void res.redirect(303, '/wap');
      }
      // Whether the number has a wallet is not told: the same words as a wrong password.
      const error =
        result.error.code === 'not_a_user' ? { code: 'wrong_password', message: '' } : result.error;
      await sessions.keepOutcome(session, formKey, {
        ok: false,
        text: refusalText(locale, error),
        fields: keptValues(loginForm.fields, values),
      });
      return void res.redirect(303, `/wap/login?r=${formKey}`);
    }
    if (inbound.form === 'open') {
      if (await sentBack(openForm, inbound, session, res)) return;
      // Sent once per form: a double submit finds the form claimed and sends nothing more.
      if (await sessions.claim(session, formKey)) {
        await handOff.offerOpen(inbound.msisdn);
        const sent = wapText(locale, 'open.sent', { msisdn: nationalMsisdn(inbound.msisdn) });
        await sessions.keepOutcome(session, formKey, { ok: true, text: sent });
      }
      return void res.redirect(303, `/wap/open?r=${formKey}`);
    }
    const spec = specOf.get(inbound.form);
    if (!spec) return void html(res, messagePage(locale, inbound.form, true), 404);
    if (await sentBack(spec, inbound, session, res)) return;
    const result = await run({ msisdn: inbound.msisdn }, formKey, spec.command(inbound.msisdn, values), res);
    await sessions.keepOutcome(session, formKey, outcomeOf(spec, locale, result, values));
    res.redirect(303, `${spec.path}?r=${formKey}`);
  }

  return router;
}

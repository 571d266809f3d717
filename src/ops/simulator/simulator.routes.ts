/**
 * `/simulator`: a feature phone in the browser (INTERFACES §8's last line), for developers trying the
 * gateway without a carrier. The page and its API need the operator session (`simulator.auth.ts`); the
 * phone's USSD and STK screens come from the gateway's own `POST /ussd` and `POST /stk/events`, its SMS
 * from the in-process SMSC the SMS channel is bound to (`phone-smsc.ts`), so what it shows is what a
 * handset gets. Off (no route at all, so 404) when `NODE_ENV=production`.
 *
 * Its own CSP allows scripts from self only (the page's one script, `/simulator/phone.js`), fetches to
 * self and no framing; the WAP pages keep theirs (no script at all).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { type Request, type Response, Router } from 'express';
import type { Config } from '../../config/index.js';
import { type Locale, nationalMsisdn, normalizeMsisdn } from '../../lib/index.js';
import { tokenMatches } from '../auth.js';
import { pagePolicy } from '../page-policy.js';
import type { PhoneSmsSide } from './phone-smsc.js';
import { hasSession, SIMULATOR_COOKIE, SIMULATOR_PATH, setSession } from './simulator.auth.js';
import { simulatorTexts } from './simulator.texts.js';

const eta = new Eta({
  views: fileURLToPath(new URL('./views', import.meta.url)),
  cache: true,
  autoEscape: true,
});
const SCRIPT = readFileSync(new URL('./phone.client.js', import.meta.url), 'utf8');
const STYLESHEET = readFileSync(new URL('./phone.css', import.meta.url), 'utf8');
/** Longer than any keyword with its arguments; a handset's concatenated SMS stays far below it. */
const SMS_MAX_CHARS = 640;
/** The number the page starts with (the README's example). */
const FIRST_NUMBER = '13800138000';

export interface SimulatorOptions {
  config: Pick<Config, 'nodeEnv' | 'locale' | 'shortCode' | 'ussdServiceCode' | 'publicUrl'>;
  opsToken: string;
  /** The in-process SMSC the SMS channel binds to; null when the gateway is bound to a real SMSC. */
  sms: PhoneSmsSide | null;
}

/** Whether this process serves the simulator: never in production. */
export const simulatorEnabled = (config: Pick<Config, 'nodeEnv'>) => config.nodeEnv !== 'production';

const apiError = (res: Response, status: number, code: string, message: string) =>
  res.status(status).json({ error: { code, message } });

export function simulatorRoutes(options: SimulatorOptions): Router {
  const router = Router();
  if (!simulatorEnabled(options.config)) return router;
  const { config, opsToken, sms } = options;
  const secure = (config.publicUrl ?? '').startsWith('https:');

  const localeOf = (req: Request): Locale =>
    req.query.lang === 'en' || req.query.lang === 'zh-CN' ? req.query.lang : config.locale;
  const other = (locale: Locale): Locale => (locale === 'en' ? 'zh-CN' : 'en');
  const html = (res: Response, page: string, status = 200) => res.status(status).type('html').send(page);
  const loginPage = (res: Response, locale: Locale, wrong: boolean) =>
    html(
      res,
      eta.render('./login', { locale, otherLocale: other(locale), t: simulatorTexts[locale], wrong }),
      401,
    );
  /** After the token is exchanged: the page again, with nothing but the language in its address. */
  const toPage = (res: Response, locale: Locale) => res.redirect(303, `${SIMULATOR_PATH}?lang=${locale}`);

  router.use(
    SIMULATOR_PATH,
    // The token may arrive in the query once: no Referer may carry it anywhere.
    pagePolicy({ secure, noReferrer: true }),
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  );

  // The stylesheet holds nothing of the operator's, and the login page needs it before any session.
  router.get(`${SIMULATOR_PATH}/phone.css`, (_req, res) => {
    res.type('text/css').send(STYLESHEET);
  });

  router.get(SIMULATOR_PATH, (req, res) => {
    const locale = localeOf(req);
    const offered = req.query.token;
    if (typeof offered === 'string') {
      if (!tokenMatches(offered, opsToken)) return loginPage(res, locale, true);
      setSession(res, opsToken, secure);
      return toPage(res, locale);
    }
    if (!hasSession(req, opsToken)) return loginPage(res, locale, false);
    const t = simulatorTexts[locale];
    html(
      res,
      eta.render('./phone', {
        locale,
        otherLocale: other(locale),
        t,
        textsJson: JSON.stringify(t),
        shortCode: config.shortCode,
        ussdCode: config.ussdServiceCode,
        sms: sms ? 'on' : 'off',
        msisdn: FIRST_NUMBER,
      }),
    );
  });

  router.post(`${SIMULATOR_PATH}/login`, (req, res) => {
    const locale = localeOf(req);
    const offered = (req.body as Record<string, unknown> | undefined)?.token;
    if (typeof offered !== 'string' || !tokenMatches(offered, opsToken)) return loginPage(res, locale, true);
    setSession(res, opsToken, secure);
    toPage(res, locale);
  });

  router.post(`${SIMULATOR_PATH}/logout`, (req, res) => {
    res.clearCookie(SIMULATOR_COOKIE, { path: SIMULATOR_PATH, httpOnly: true, sameSite: 'strict', secure });
    toPage(res, localeOf(req));
  });

  // Everything below needs the session: the script too, so nothing of the simulator but the login page
  // and its stylesheet answers a stranger.
  router.use(SIMULATOR_PATH, (req, res, next) => {
    if (hasSession(req, opsToken)) return next();
    apiError(res, 401, 'unauthorized', 'log in to the simulator with the operator token first');
  });

  router.get(`${SIMULATOR_PATH}/phone.js`, (_req, res) => {
    res.type('text/javascript').send(SCRIPT);
  });

  router.get(`${SIMULATOR_PATH}/api/inbox`, (req, res) => {
    if (!sms) return apiError(res, 503, 'sms_not_simulated', 'the gateway is bound to a real SMSC');
    const msisdn = typeof req.query.msisdn === 'string' ? normalizeMsisdn(req.query.msisdn) : null;
    if (!msisdn) return apiError(res, 400, 'bad_request', 'msisdn is not a mobile number');
    const after = Number(req.query.after ?? 0);
    if (!Number.isSafeInteger(after) || after < 0)
      return apiError(res, 400, 'bad_request', 'after is not a message id');
    res.json({ msisdn: nationalMsisdn(msisdn), messages: sms.inbox(msisdn, after) });
  });

  router.post(`${SIMULATOR_PATH}/api/sms`, async (req, res) => {
    if (!sms) return apiError(res, 503, 'sms_not_simulated', 'the gateway is bound to a real SMSC');
    // JSON only: a cross-site form cannot send it (and the SameSite cookie would not come with it anyway).
    if (!req.is('application/json')) return apiError(res, 415, 'bad_request', 'send JSON');
    const { msisdn: raw, text } = (req.body ?? {}) as Record<string, unknown>;
    const msisdn = typeof raw === 'string' ? normalizeMsisdn(raw) : null;
    if (!msisdn) return apiError(res, 400, 'bad_request', 'msisdn is not a mobile number');
    if (typeof text !== 'string' || text.trim() === '' || text.length > SMS_MAX_CHARS)
      return apiError(res, 400, 'bad_request', `text must be 1 to ${SMS_MAX_CHARS} characters`);
    if (!sms.bound) return apiError(res, 503, 'not_bound', 'the gateway has not bound to the SMSC yet');
    const statuses = await sms.send(nationalMsisdn(msisdn), text);
    if (statuses.some((s) => s !== 0))
      return apiError(res, 502, 'mo_refused', `the gateway answered deliver_sm with ${statuses.join(', ')}`);
    res.status(202).json({ accepted: true });
  });

  return router;
}

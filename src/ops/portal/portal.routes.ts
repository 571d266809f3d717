/**
 * The merchant portal (商户自助后台) at `/merchant`: server-rendered pages for a merchant's staff over
 * the same commands and reads as the merchant API (never a second way to move money). Staff log in with
 * a password (scrypt; `LOGIN_MAX_FAILURES` wrong ones in a row lock the login for `LOGIN_LOCK_MINUTES`,
 * decided by the same rule as WAP login); the session lives in Redis behind an HttpOnly, SameSite=Strict
 * cookie (lib/web-session, shared with WAP), and every form that changes anything carries the session's
 * CSRF token. Roles: `admin` (everything, and creates staff), `cashier` (orders, asks for refunds, never
 * reviews), `reviewer` (reviews refunds). Four eyes as in the API: whoever asked for a refund can never
 * decide it, and the decision's command key is the API's (`refund-<decision>:<id>`), so one refund is
 * decided once whichever door it came through.
 * Refusals: a page without a session redirects to the login page (303); a form posted without a session
 * is 401, with a foreign or missing CSRF token 403, by the wrong role or about another merchant's order
 * or refund 403; none of them runs anything.
 */
import { randomBytes } from 'node:crypto';
import { parseCookie } from 'cookie';
import { type NextFunction, type Request, type Response, Router } from 'express';
import {
  applyLoginCheck,
  insertStaff,
  lockStaffLogin,
  merchantOrders,
  type OrderFilter,
  paymentRecord,
  paymentStatus,
  refundRecord,
  refundsOf,
  refundsUnderReview,
  STAFF_ROLES,
  type StaffRole,
  saveStaffLogin,
  settlementsOf,
  staffByLogin,
  staffOf,
} from '../../ledger/index.js';
import {
  AppError,
  chinaTime,
  createCookieSessions,
  formatYuan,
  hashSecret,
  keyringOf,
  mountPages,
  newToken,
  normalizeMsisdn,
  parseYuan,
  sameToken,
  verifySecret,
} from '../../lib/index.js';
import type { OpsDeps } from '../ops-deps.js';
import { sendReconciliation, walletMsisdn } from '../reconciliation-csv.js';
import {
  PORTAL_STYLESHEET,
  type PageFrame,
  type PortalTemplate,
  portalPage,
  type StaffView,
} from './portal.views.js';

/** What the portal keeps in a session: its CSRF token and, once logged in, who. Never a password. */
interface PortalSession {
  csrf: string;
  staff: StaffView | null;
}

const COOKIE = 'portal_sid';
/** A portal session ends 30 minutes after its last page. */
const SESSION_TTL_SECONDS = 30 * 60;
/** How long a form waits for its command before saying it is still running. */
const COMMAND_WAIT_MS = 10_000;
/** Orders a page lists at most, newest first. */
const ORDERS_SHOWN = 100;
const STATUSES = [
  'pending',
  'paid',
  'declined',
  'expired',
  'refunded',
  'partially_refunded',
  'reversed',
] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const FORM_KEY = /^[A-Za-z0-9_-]{22}$/;
const USERNAME = /^[A-Za-z0-9_.-]{2,32}$/;

/** A staff member's first password: 8 to 64 characters, so a passphrase fits. */
export const isStaffPassword = (password: string) => password.length >= 8 && password.length <= 64;
export const isStaffUsername = (username: string) => USERNAME.test(username);

const refused = (status: number, code: string, message: string) => new AppError(code, message, status);
export const PORTAL_REFUSALS = {
  noSession: () => refused(401, 'no_session', '没有登录 No session: log in first'),
  csrf: () => refused(403, 'csrf', "表单已失效 The form's CSRF token is missing or not this session's"),
  role: (zh: string, en: string) => refused(403, 'forbidden', `您的角色不能${zh} Your role cannot ${en}`),
  foreign: (zh: string, en: string) =>
    refused(403, 'forbidden', `这笔${zh}属于其他商户 This ${en} belongs to another merchant`),
  ownRefund: () =>
    refused(
      403,
      'requester_cannot_review',
      '申请人不能审核自己的退款 Whoever asked for a refund cannot decide it',
    ),
};

/** A dummy hash, so an unknown username costs the same scrypt as a wrong password. */
let dummyHash: Promise<string> | null = null;

export function portalRoutes(ctx: Pick<OpsDeps, 'config' | 'db' | 'redis' | 'bus'>): Router {
  const { config, db, bus } = ctx;
  const sessions = createCookieSessions<PortalSession>({
    redis: ctx.redis,
    keys: keyringOf(config),
    prefix: config.redisPrefix,
    kind: 'portal',
    ttlSeconds: SESSION_TTL_SECONDS,
  });
  const secure = (config.publicUrl ?? '').startsWith('https:');
  const router = Router();
  mountPages(router, '/merchant', PORTAL_STYLESHEET, secure);

  const tokenOf = (req: Request) => parseCookie(req.headers.cookie ?? '')[COOKIE];
  const setCookie = (res: Response, token: string) =>
    res.cookie(COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/merchant',
      maxAge: SESSION_TTL_SECONDS * 1000,
    });
  const html = (
    res: Response,
    template: PortalTemplate,
    view: PageFrame & Record<string, unknown>,
    status = 200,
  ) => res.status(status).type('html').send(portalPage(template, view));
  const frame = (session: PortalSession, title: string): PageFrame => ({
    title,
    csrf: session.csrf,
    staff: session.staff,
  });

  type Staffed = PortalSession & { staff: StaffView };
  /** A page of logged-in staff: no session, the login page. */
  function page(path: string, build: (session: Staffed, req: Request, res: Response) => Promise<void>) {
    router.get(path, async (req, res) => {
      const session = await sessions.read(tokenOf(req));
      if (!session?.staff) return void res.redirect(303, '/merchant/login');
      await build(session as Staffed, req, res);
    });
  }
  /** The session a form is posted in, its CSRF token checked, before anything else is read. */
  async function posted(req: Request): Promise<PortalSession & { token: string }> {
    const token = tokenOf(req);
    const session = await sessions.read(token);
    if (!session || !token) throw PORTAL_REFUSALS.noSession();
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.csrf !== 'string' || !sameToken(body.csrf, session.csrf)) throw PORTAL_REFUSALS.csrf();
    return { ...session, token };
  }
  /** A form of logged-in staff with one of `roles`. */
  function form(
    path: string,
    roles: readonly StaffRole[],
    what: [zh: string, en: string],
    handle: (session: Staffed, req: Request, res: Response) => Promise<void>,
  ) {
    router.post(path, async (req, res) => {
      const session = await posted(req);
      if (!session.staff) throw PORTAL_REFUSALS.noSession();
      if (!roles.includes(session.staff.role)) throw PORTAL_REFUSALS.role(...what);
      await handle(session as Staffed, req, res);
    });
  }
  const field = (req: Request, name: string) => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value.trim() : '';
  };
  const message = (
    res: Response,
    session: PortalSession,
    title: string,
    lines: string[],
    back?: string,
    status = 200,
  ) => html(res, 'message', { ...frame(session, title), lines, back }, status);

  // --- login and logout -------------------------------------------------------------------------------------
  router.get('/merchant/login', async (req, res) => {
    let token = tokenOf(req);
    let session = await sessions.read(token);
    if (!session || !token) {
      session = { csrf: newToken(), staff: null };
      token = await sessions.open(session);
      setCookie(res, token);
    }
    html(res, 'login', frame(session, '登录 Log in'));
  });

  router.post('/merchant/login', async (req, res) => {
    const session = await posted(req);
    const merchant = field(req, 'merchant');
    const username = field(req, 'username');
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const again = (text: string, status: number) =>
      html(
        res,
        'login',
        { ...frame(session, '登录 Log in'), merchant, username, notice: { ok: false, text } },
        status,
      );
    const staff = merchant && username ? await staffByLogin(db, merchant, username) : null;
    dummyHash ??= hashSecret(newToken());
    if (!staff) {
      // The same work as a wrong password: a wrong username is not told apart by time.
      await verifySecret(password, await dummyHash);
      return void again('商户号、用户名或密码错误 Wrong merchant code, username or password', 401);
    }
    const now = new Date();
    // Lock before verify: a locked login's password is not checked at all (login-rules.ts).
    const locked = staff.login_locked_until !== null && staff.login_locked_until > now;
    const ok = !locked && (await verifySecret(password, staff.password_hash));
    const outcome = await db.transaction(async (trx) => {
      const state = await lockStaffLogin(trx, staff.id);
      if (!state) return null;
      const applied = applyLoginCheck(
        state,
        { loginHash: staff.password_hash, ok, locked },
        { now, maxFailures: config.loginMaxFailures, lockMs: config.loginLockMinutes * 60_000 },
      );
      if (applied.changed) await saveStaffLogin(trx, state);
      return { ...applied, lockedUntil: state.login_locked_until };
    });
    if (!outcome || outcome.refusal) {
      const text =
        outcome?.refusal?.code === 'login_locked'
          ? `登录已锁定至 ${chinaTime(outcome.lockedUntil ?? now)} Login locked: too many wrong passwords`
          : '商户号、用户名或密码错误 Wrong merchant code, username or password';
      return void again(text, outcome?.refusal?.code === 'login_locked' ? 423 : 401);
    }
    // A new session at login (never the anonymous one's token), so a planted cookie gains nothing.
    await sessions.end(session.token);
    const staffView: StaffView = {
      id: staff.id.toString(),
      merchant: staff.merchant_code,
      username: staff.username,
      role: staff.role,
    };
    setCookie(res, await sessions.open({ csrf: newToken(), staff: staffView }));
    res.redirect(303, '/merchant/orders');
  });

  router.post('/merchant/logout', async (req, res) => {
    const session = await posted(req);
    await sessions.end(session.token);
    res.clearCookie(COOKIE, { path: '/merchant' });
    res.redirect(303, '/merchant/login');
  });

  router.get('/merchant', (_req, res) => res.redirect(303, '/merchant/orders'));

  // --- orders ----------------------------------------------------------------------------------------------
  const orderView = (o: Awaited<ReturnType<typeof merchantOrders>>[number], now: Date) => ({
    id: o.id.toString(),
    time: chinaTime(o.created_at),
    reference: o.reference ?? '',
    msisdn: walletMsisdn(o.wallet_code),
    amount: formatYuan(o.amount),
    refunded: formatYuan(o.refunded),
    status: paymentStatus(o, now),
  });

  page('/merchant/orders', async (session, req, res) => {
    const q = req.query as Record<string, unknown>;
    const text = (name: string) => (typeof q[name] === 'string' ? (q[name] as string).trim() : '');
    const filter: OrderFilter = {};
    const shown: Record<string, string> = {};
    const problems: string[] = [];
    if (text('day')) {
      if (DAY.test(text('day'))) filter.day = shown.day = text('day');
      else problems.push('日期格式 YYYY-MM-DD');
    }
    if (text('status')) {
      const s = STATUSES.find((x) => x === text('status'));
      if (s) filter.status = shown.status = s;
      else problems.push('未知状态 Unknown status');
    }
    if (text('reference')) filter.reference = shown.reference = text('reference').slice(0, 64);
    if (text('msisdn')) {
      const msisdn = normalizeMsisdn(text('msisdn'));
      if (msisdn) {
        filter.msisdn = msisdn;
        shown.msisdn = text('msisdn');
      } else problems.push('手机号不对 Not a mobile number');
    }
    const now = new Date();
    const orders = problems.length
      ? []
      : await merchantOrders(db, session.staff.merchant, filter, ORDERS_SHOWN);
    html(
      res,
      'orders',
      {
        ...frame(session, '订单 Orders'),
        notice: problems.length ? { ok: false, text: problems.join('; ') } : undefined,
        filter: shown,
        statuses: STATUSES,
        orders: orders.map((o) => orderView(o, now)),
      },
      problems.length ? 400 : 200,
    );
  });

  /** The merchant's own payment `id`, or a refusal (unknown: 404; another merchant's: 403). */
  async function ownOrder(session: Staffed, id: string) {
    const payment = /^[1-9]\d{0,17}$/.test(id) ? await paymentRecord(db, BigInt(id)) : null;
    if (!payment) throw refused(404, 'not_a_payment', '没有这个订单 No such order');
    if (payment.merchant_code !== session.staff.merchant) throw PORTAL_REFUSALS.foreign('订单', 'order');
    return payment;
  }

  page('/merchant/orders/:id', async (session, req, res) => {
    const payment = await ownOrder(session, String(req.params.id));
    const refunds = await refundsOf(db, payment.id);
    html(res, 'order', {
      ...frame(session, `订单 Order ${payment.id}`),
      order: orderView(payment, new Date()),
      refunds: refunds.map((r) => ({
        id: r.id.toString(),
        amount: formatYuan(r.amount),
        reason: r.reason,
        status: r.status,
      })),
      canRequest: session.staff.role !== 'reviewer',
      formKey: randomBytes(16).toString('base64url'),
    });
  });

  /** Runs a command for a form: its result, a refusal's text, or null while it still runs. */
  async function run(command: Parameters<OpsDeps['bus']['execute']>[0]) {
    const result = await bus.execute(command, COMMAND_WAIT_MS);
    if (result.ok) return { ok: true as const, value: result.value };
    if (result.error.code === 'pending') return null;
    return { ok: false as const, text: result.error.message, code: result.error.code };
  }
  const stillRunning = '已受理，稍后刷新查看结果 Accepted; reload later to see the result';

  form(
    '/merchant/orders/:id/refund',
    ['admin', 'cashier'],
    ['申请退款', 'ask for refunds'],
    async (session, req, res) => {
      const payment = await ownOrder(session, String(req.params.id));
      const back = `/merchant/orders/${payment.id}`;
      const formKey = field(req, 'formKey');
      const reason = field(req, 'reason');
      const amountText = field(req, 'amount');
      const amount = amountText ? parseYuan(amountText) : undefined;
      if (!FORM_KEY.test(formKey) || !reason || reason.length > 200 || amount === null)
        return void message(
          res,
          session,
          '退款 Refund',
          ['请填写原因和正确的金额 Give a reason and a valid amount'],
          back,
          400,
        );
      // The form's key is the reference: the same form sent twice asks once.
      const reference = `portal-${formKey}`;
      const outcome = await run({
        key: `refund-request:${session.staff.merchant}:${reference}`,
        type: 'refund.request',
        input: {
          merchant: session.staff.merchant,
          paymentId: payment.id.toString(),
          amount: amount === undefined ? undefined : amount.toString(),
          reason,
          reference,
          requestedBy: session.staff.id,
        },
      });
      if (!outcome) return void message(res, session, '退款 Refund', [stillRunning], back, 202);
      if (!outcome.ok) return void message(res, session, '退款 Refund', [outcome.text], back, 422);
      message(
        res,
        session,
        '退款 Refund',
        [`退款 ${outcome.value.refundId} 待审核 Refund sent for review`],
        back,
      );
    },
  );

  // --- the refund review queue (退款审核) ------------------------------------------------------------------------
  page('/merchant/refunds', async (session, _req, res) => {
    const rows = await refundsUnderReview(db, session.staff.merchant, 200);
    html(res, 'refunds', {
      ...frame(session, '退款审核 Refund review'),
      refunds: rows.map((r) => ({
        id: r.id.toString(),
        paymentId: r.payment_id.toString(),
        paymentReference: r.payment_reference ?? r.payment_id.toString(),
        msisdn: walletMsisdn(r.wallet_code),
        amount: formatYuan(r.amount),
        paid: formatYuan(r.payment_amount),
        reason: r.reason,
        time: chinaTime(r.created_at),
      })),
    });
  });

  for (const decision of ['approve', 'reject'] as const) {
    form(
      `/merchant/refunds/:id/${decision}`,
      ['admin', 'reviewer'],
      ['审核退款', 'approve or reject refunds'],
      async (session, req, res) => {
        const id = String(req.params.id);
        const refund = /^[1-9]\d{0,17}$/.test(id) ? await refundRecord(db, BigInt(id)) : null;
        if (!refund) throw refused(404, 'not_a_refund', '没有这笔退款 No such refund');
        if (refund.merchant_code !== session.staff.merchant) throw PORTAL_REFUSALS.foreign('退款', 'refund');
        // Before the command: a refusal would be kept under the decision's key and answer the real reviewer.
        if (refund.requested_by.toString() === session.staff.id) throw PORTAL_REFUSALS.ownRefund();
        const outcome = await run({
          key: `refund-${decision}:${refund.id}`,
          type: 'refund.review',
          input: {
            merchant: session.staff.merchant,
            refundId: refund.id.toString(),
            paymentId: refund.payment_id.toString(),
            decision,
            reviewer: session.staff.id,
          },
        });
        const title = '退款审核 Refund review';
        if (!outcome) return void message(res, session, title, [stillRunning], '/merchant/refunds', 202);
        if (!outcome.ok)
          return void message(
            res,
            session,
            title,
            [outcome.text],
            '/merchant/refunds',
            outcome.code === 'refund_not_pending' ? 409 : 422,
          );
        const done = outcome.value.status === 'approved' ? '已同意 approved' : '已拒绝 rejected';
        message(res, session, title, [`退款 ${refund.id} ${done}`], '/merchant/refunds');
      },
    );
  }

  // --- settlements and reconciliation ----------------------------------------------------------------------
  const dayOf = (req: Request) => {
    const asked = typeof req.query.date === 'string' ? req.query.date : '';
    return DAY.test(asked) ? asked : null;
  };
  page('/merchant/settlements', async (session, req, res) => {
    const date = dayOf(req);
    const rows = date ? await settlementsOf(db, date, session.staff.merchant) : null;
    html(res, 'settlements', {
      ...frame(session, '结算 Settlements'),
      action: '/merchant/settlements',
      submit: '查看 Show',
      date: date ?? '',
      rows: rows?.map((r) => ({
        day: r.day,
        net: formatYuan(r.net),
        transferId: r.transfer_id.toString(),
        time: chinaTime(r.posted_at),
      })),
    });
  });
  page('/merchant/reconciliation', async (session, _req, res) => {
    html(res, 'settlements', {
      ...frame(session, '对账 Reconciliation'),
      action: '/merchant/reconciliation.csv',
      submit: '下载 CSV Download',
      date: '',
    });
  });
  page('/merchant/reconciliation.csv', async (session, req, res) => {
    const date = dayOf(req);
    if (!date)
      return void message(
        res,
        session,
        '对账 Reconciliation',
        ['日期格式 YYYY-MM-DD'],
        '/merchant/reconciliation',
        400,
      );
    await sendReconciliation(res, db, date, session.staff.merchant);
  });

  // --- staff (admin) --------------------------------------------------------------------------------------------
  page('/merchant/staff', async (session, _req, res) => {
    if (session.staff.role !== 'admin') throw PORTAL_REFUSALS.role('管理员工', 'manage staff');
    const now = new Date();
    const list = await staffOf(db, session.staff.merchant);
    html(res, 'staff', {
      ...frame(session, '员工 Staff'),
      roles: STAFF_ROLES,
      staffList: list.map((s) => ({
        username: s.username,
        role: s.role,
        lockedUntil:
          s.login_locked_until && s.login_locked_until > now ? chinaTime(s.login_locked_until) : '',
      })),
    });
  });
  form('/merchant/staff', ['admin'], ['管理员工', 'manage staff'], async (session, req, res) => {
    const username = field(req, 'username');
    const role = STAFF_ROLES.find((r) => r === field(req, 'role'));
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    if (!isStaffUsername(username) || !role || !isStaffPassword(password))
      return void message(
        res,
        session,
        '员工 Staff',
        [
          '用户名 2–32 个字母数字，密码 8–64 个字符 Username: 2–32 letters or digits; password: 8 to 64 characters',
        ],
        '/merchant/staff',
        400,
      );
    const created = await insertStaff(db, {
      merchant_code: session.staff.merchant,
      username,
      role,
      password_hash: await hashSecret(password),
    });
    if (!created)
      return void message(
        res,
        session,
        '员工 Staff',
        ['用户名已存在 This username is taken'],
        '/merchant/staff',
        409,
      );
    message(res, session, '员工 Staff', [`已创建 Created ${username} (${role})`], '/merchant/staff', 201);
  });

  // Refusals as pages: the JSON error handler further down is for the API.
  router.use('/merchant', async (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof AppError) || err.httpStatus >= 500) return next(err);
    const session = (await sessions.read(tokenOf(req))) ?? { csrf: '', staff: null };
    const back = session.staff ? '/merchant/orders' : '/merchant/login';
    message(res, session, '拒绝 Refused', [err.message], back, err.httpStatus);
  });
  return router;
}

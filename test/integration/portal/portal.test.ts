import { expect } from 'chai';
import { businessDay } from '../../../src/lib/index.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import { PortalClient, type PortalMerchant, portalMerchant } from '../../helpers/portal-client.js';
import { type TestServer, useOpsServer } from '../ops/server.js';

describe('merchant portal (商户自助后台): staff, login, orders, refund review, settlements, reconciliation', function () {
  this.timeout(60_000);
  let h: Harness;
  let server: TestServer;
  let m: PortalMerchant;
  let other: PortalMerchant;
  useOpsServer((harness, s) => {
    h = harness;
    server = s;
  });
  before(async () => {
    m = await portalMerchant(h, server);
    other = await portalMerchant(h, server);
  });

  const refundRow = async (id: string) =>
    h.db('refunds').where({ id }).first('status', 'reviewed_by', 'transfer_id');
  const balanceOf = async (msisdn: string) =>
    (await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance;

  describe('the operator creates a first admin', () => {
    it('POST /api/merchants/:code/staff – without the operator token – answers 401 and creates nobody', async () => {
      const res = await server.call('POST', `/api/merchants/${m.code}/staff`, {
        body: { username: 'intruder' },
      });
      expect(res.status).to.equal(401);
      const byMerchant = await server.call('POST', `/api/merchants/${m.code}/staff`, {
        body: { username: 'intruder' },
        token: m.apiKey,
      });
      expect(byMerchant.status).to.equal(401);
      expect(await h.db('merchant_staff').where({ username: 'intruder' }).first()).to.equal(undefined);
    });

    it('POST /api/merchants/:code/staff – answers a generated password once and keeps only its scrypt hash', async () => {
      const res = await server.ops('POST', `/api/merchants/${m.code}/staff`, {
        username: 'second',
        role: 'cashier',
      });
      expect(res.status, res.text).to.equal(201);
      expect(res.body).to.include({ merchant: m.code, username: 'second', role: 'cashier' });
      expect(res.body.password).to.match(/^[a-z2-9]{8}$/);
      const row = await h.db('merchant_staff').where({ merchant_code: m.code, username: 'second' }).first();
      expect(row.password_hash).to.match(/^scrypt\$/);
      expect(row.password_hash).not.to.include(res.body.password);
    });

    it('POST /api/merchants/:code/staff – a taken username, an unknown merchant, a bad role – 409, 404, 400', async () => {
      expect(
        (await server.ops('POST', `/api/merchants/${m.code}/staff`, { username: 'admin' })).status,
      ).to.equal(409);
      expect(
        (await server.ops('POST', '/api/merchants/nobody_here/staff', { username: 'a1' })).status,
      ).to.equal(404);
      const bad = await server.ops('POST', `/api/merchants/${m.code}/staff`, {
        username: 'b1',
        role: 'boss',
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.code).to.equal('invalid');
    });
  });

  describe('refusals without a session', () => {
    it('every portal page – without a session – redirects to the login page and shows nothing', async () => {
      const { id } = await m.paid(500);
      const anonymous = new PortalClient(server.url);
      const day = businessDay(new Date());
      for (const path of [
        '/merchant',
        '/merchant/orders',
        `/merchant/orders/${id}`,
        '/merchant/refunds',
        '/merchant/settlements',
        `/merchant/settlements?date=${day}`,
        '/merchant/reconciliation',
        `/merchant/reconciliation.csv?date=${day}`,
        '/merchant/staff',
      ]) {
        const res = await anonymous.get(path);
        expect(res.status, path).to.equal(303);
        expect(res.location, path).to.equal(path === '/merchant' ? '/merchant/orders' : '/merchant/login');
        expect(res.text, path).not.to.include(id);
      }
    });

    it('every portal form – posted without a session – answers 401 and changes nothing', async () => {
      const { id } = await m.paid(500);
      const refundId = await m.refundByApi(id, 100);
      const anonymous = new PortalClient(server.url);
      const before = await h.db('merchant_staff').count('* as n').first();
      for (const path of [
        '/merchant/login',
        '/merchant/logout',
        `/merchant/orders/${id}/refund`,
        `/merchant/refunds/${refundId}/approve`,
        `/merchant/refunds/${refundId}/reject`,
        '/merchant/staff',
      ]) {
        const res = await anonymous.post(path, {
          csrf: 'x'.repeat(43),
          merchant: m.code,
          username: 'admin',
          password: m.passwords.admin,
          role: 'admin',
          reason: 'x',
          formKey: 'k'.repeat(22),
        });
        expect(res.status, path).to.equal(401);
        expect(res.setCookie, path).to.equal(null);
      }
      expect(await refundRow(refundId)).to.include({ status: 'pending_review', reviewed_by: null });
      expect(await h.db('refunds').where({ payment_id: id }).count('* as n').first()).to.deep.equal({
        n: 1n,
      });
      expect(await h.db('merchant_staff').count('* as n').first()).to.deep.equal(before);
    });
  });

  describe('login', () => {
    it('the login page – sets an HttpOnly, SameSite=Strict cookie on /merchant and strict headers', async () => {
      const res = await fetch(`${server.url}/merchant/login`);
      expect(res.status).to.equal(200);
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).to.match(/^portal_sid=[A-Za-z0-9_-]{43};/);
      expect(cookie).to.include('HttpOnly');
      expect(cookie).to.include('SameSite=Strict');
      expect(cookie).to.include('Path=/merchant');
      expect(res.headers.get('content-security-policy')).to.include("default-src 'none'");
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(await res.text()).to.include('name="csrf"');
    });

    it('a login – starts a new session (not the anonymous one) and shows the orders', async () => {
      const client = new PortalClient(server.url);
      await client.get('/merchant/login');
      const anonymousCookie = client.cookie;
      const res = await client.post('/merchant/login', {
        merchant: m.code,
        username: 'reviewer',
        password: m.passwords.reviewer,
      });
      expect(res.status, res.text).to.equal(303);
      expect(res.location).to.equal('/merchant/orders');
      expect(client.cookie).to.be.a('string').and.not.equal(anonymousCookie);
      const orders = await client.get('/merchant/orders');
      expect(orders.status).to.equal(200);
      expect(orders.text).to.include('reviewer (reviewer)');
    });

    it('a login – with a foreign CSRF token – answers 403 and logs nobody in', async () => {
      const mine = new PortalClient(server.url);
      const theirs = new PortalClient(server.url);
      await mine.get('/merchant/login');
      await theirs.get('/merchant/login');
      const res = await mine.post('/merchant/login', {
        csrf: theirs.csrf,
        merchant: m.code,
        username: 'admin',
        password: m.passwords.admin,
      });
      expect(res.status).to.equal(403);
      expect((await mine.get('/merchant/orders')).status).to.equal(303);
    });

    it('five wrong passwords – lock the login: the right one is then refused too, until the lock ends', async () => {
      const made = await server.ops('POST', `/api/merchants/${m.code}/staff`, {
        username: 'forgetful',
        role: 'cashier',
      });
      const client = new PortalClient(server.url);
      for (let i = 0; i < 4; i++)
        expect((await client.logIn(m.code, 'forgetful', 'wrong-password')).status).to.equal(401);
      const fifth = await client.logIn(m.code, 'forgetful', 'wrong-password');
      expect(fifth.status).to.equal(423);
      expect(fifth.text).to.include('登录已锁定');
      const right = await client.logIn(m.code, 'forgetful', made.body.password);
      expect(right.status).to.equal(423);
      expect((await client.get('/merchant/orders')).status).to.equal(303);
      await h
        .db('merchant_staff')
        .where({ merchant_code: m.code, username: 'forgetful' })
        .update({
          login_locked_until: new Date(Date.now() - 1000),
        });
      expect((await client.logIn(m.code, 'forgetful', made.body.password)).status).to.equal(303);
    });

    it('an unknown username or merchant – answers 401 with the same words as a wrong password', async () => {
      const client = new PortalClient(server.url);
      const unknown = await client.logIn(m.code, 'nobody', 'whatever-1');
      const wrongShop = await client.logIn('no_such_shop', 'admin', m.passwords.admin);
      const wrong = await client.logIn(m.code, 'reviewer', 'whatever-1');
      for (const res of [unknown, wrongShop, wrong]) {
        expect(res.status).to.equal(401);
        expect(res.text).to.include('商户号、用户名或密码错误');
      }
    });

    it('logout – ends the session: its cookie opens no page afterwards', async () => {
      const client = await m.as('cashier');
      const cookie = client.cookie;
      await client.get('/merchant/orders');
      const res = await client.post('/merchant/logout');
      expect(res.status).to.equal(303);
      client.cookie = cookie;
      expect((await client.get('/merchant/orders')).status).to.equal(303);
    });
  });

  it('passwords at rest – neither the staff table nor any Redis key of the run holds a password in clear', async () => {
    const client = await m.as('reviewer');
    await client.get('/merchant/refunds');
    const rows = await h.db('merchant_staff').whereIn('merchant_code', [m.code, other.code]).select('*');
    expect(rows.length).to.be.at.least(6);
    const passwords = [...Object.values(m.passwords), ...Object.values(other.passwords)];
    const table = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const keys = await h.redis.keys(`${h.config.redisPrefix}:portal:*`);
    expect(keys.length).to.be.at.least(1);
    const stored = (await Promise.all(keys.map((k) => h.redis.get(k)))).join('\n');
    for (const password of passwords) {
      expect(table).not.to.include(password);
      expect(stored).not.to.include(password);
    }
    // The session is sealed: not even who is logged in reads in clear.
    expect(stored).not.to.include('reviewer');
    expect(stored).not.to.include(client.cookie?.slice('portal_sid='.length) ?? 'no cookie');
  });

  describe('orders', () => {
    it('the order list – filters by status, reference, MSISDN and day, and shows no other merchant', async () => {
      const reference = `ord-${Date.now()}`;
      const a = await m.paid(1234, reference);
      const b = await m.paid(800);
      const foreign = await other.paid(999);
      await m.refundByApi(b.id, 800);
      const cashier = await m.as('cashier');
      const all = await cashier.get('/merchant/orders');
      expect(all.text).to.include(`/merchant/orders/${a.id}"`).and.include(`/merchant/orders/${b.id}"`);
      expect(all.text).not.to.include(`/merchant/orders/${foreign.id}"`);
      const byRef = await cashier.get(`/merchant/orders?reference=${reference}`);
      expect(byRef.text).to.include(`/merchant/orders/${a.id}"`).and.include('12.34');
      expect(byRef.text).not.to.include(`/merchant/orders/${b.id}"`);
      const byMsisdn = await cashier.get(`/merchant/orders?msisdn=${b.msisdn.slice(2)}`);
      expect(byMsisdn.text).to.include(`/merchant/orders/${b.id}"`);
      expect(byMsisdn.text).not.to.include(`/merchant/orders/${a.id}"`);
      const paid = await cashier.get('/merchant/orders?status=paid');
      expect(paid.text).to.include(`/merchant/orders/${a.id}"`);
      const pending = await cashier.get('/merchant/orders?status=pending');
      expect(pending.text).not.to.include(`/merchant/orders/${a.id}"`);
      const today = await cashier.get(`/merchant/orders?day=${businessDay(new Date())}`);
      expect(today.text).to.include(`/merchant/orders/${a.id}"`);
      const yesterday = await cashier.get('/merchant/orders?day=2020-01-01');
      expect(yesterday.text).not.to.include(`/merchant/orders/${a.id}"`);
      const bad = await cashier.get('/merchant/orders?status=stolen');
      expect(bad.status).to.equal(400);
    });

    it("another merchant's order – is refused 403 to see or to refund, and asks for nothing", async () => {
      const { id } = await m.paid(700);
      const stranger = await other.as('admin');
      const seen = await stranger.get(`/merchant/orders/${id}`);
      expect(seen.status).to.equal(403);
      expect(seen.text).not.to.include('7.00');
      await stranger.get('/merchant/orders');
      const asked = await stranger.post(`/merchant/orders/${id}/refund`, {
        formKey: 'a'.repeat(22),
        reason: 'mine?',
      });
      expect(asked.status).to.equal(403);
      expect(await h.db('refunds').where({ payment_id: id }).first()).to.equal(undefined);
    });
  });

  describe('refund review (four eyes)', () => {
    it('a refund asked through the API – approved by the reviewer in the portal – moves the money', async () => {
      const { id, msisdn } = await m.paid(2000);
      const refundId = await m.refundByApi(id, 500);
      const before = await balanceOf(msisdn);
      const reviewer = await m.as('reviewer');
      const queue = await reviewer.get('/merchant/refunds');
      expect(queue.text).to.include(`id="refund-${refundId}"`);
      const res = await reviewer.post(`/merchant/refunds/${refundId}/approve`);
      expect(res.status, res.text).to.equal(200);
      expect(res.text).to.include('已同意');
      expect(await balanceOf(msisdn)).to.equal(before + 500);
      const row = await refundRow(refundId);
      expect(row.status).to.equal('approved');
      expect(row.transfer_id).not.to.equal(null);
      expect((await reviewer.get('/merchant/refunds')).text).not.to.include(`id="refund-${refundId}"`);
      const again = await reviewer.post(`/merchant/refunds/${refundId}/reject`);
      expect(again.status).to.equal(409);
    });

    it('a cashier – approving or rejecting a refund – is refused 403 and nothing moves', async () => {
      const { id, msisdn } = await m.paid(1500);
      const refundId = await m.refundByApi(id, 1500);
      const before = await balanceOf(msisdn);
      const cashier = await m.as('cashier');
      await cashier.get('/merchant/refunds');
      for (const decision of ['approve', 'reject']) {
        const res = await cashier.post(`/merchant/refunds/${refundId}/${decision}`);
        expect(res.status).to.equal(403);
        expect(res.text).to.include('您的角色不能审核退款');
      }
      expect(await refundRow(refundId)).to.include({ status: 'pending_review', reviewed_by: null });
      expect(await balanceOf(msisdn)).to.equal(before);
    });

    it('the staff member who asked for a refund – approving it – is refused 403; then the reviewer approves it', async () => {
      const { id, msisdn } = await m.paid(3000);
      const admin = await m.as('admin');
      await admin.get(`/merchant/orders/${id}`);
      const asked = await admin.post(`/merchant/orders/${id}/refund`, {
        formKey: admin.formKey,
        amount: '10',
        reason: '少发货 short',
      });
      expect(asked.status, asked.text).to.equal(200);
      const refund = await h.db('refunds').where({ payment_id: id }).first('id', 'amount', 'reference');
      expect(refund.amount).to.equal(1000n);
      expect(refund.reference).to.equal(`portal-${admin.formKey}`);
      // The same form sent again asks once.
      await admin.post(`/merchant/orders/${id}/refund`, {
        formKey: admin.formKey,
        amount: '10',
        reason: '少发货 short',
      });
      expect(await h.db('refunds').where({ payment_id: id }).count('* as n').first()).to.deep.equal({
        n: 1n,
      });
      const before = await balanceOf(msisdn);
      const own = await admin.post(`/merchant/refunds/${refund.id}/approve`);
      expect(own.status).to.equal(403);
      expect(own.text).to.include('申请人不能审核自己的退款');
      expect(await refundRow(refund.id)).to.include({ status: 'pending_review' });
      expect(await balanceOf(msisdn)).to.equal(before);
      const reviewer = await m.as('reviewer');
      await reviewer.get('/merchant/refunds');
      expect((await reviewer.post(`/merchant/refunds/${refund.id}/approve`)).status).to.equal(200);
      expect(await balanceOf(msisdn)).to.equal(before + 1000);
    });

    it('a reviewer – cannot ask for a refund – 403 and nothing asked', async () => {
      const { id } = await m.paid(600);
      const reviewer = await m.as('reviewer');
      const page = await reviewer.get(`/merchant/orders/${id}`);
      expect(page.text).not.to.include(`/merchant/orders/${id}/refund`);
      const res = await reviewer.post(`/merchant/orders/${id}/refund`, {
        formKey: 'b'.repeat(22),
        reason: 'x',
      });
      expect(res.status).to.equal(403);
      expect(await h.db('refunds').where({ payment_id: id }).first()).to.equal(undefined);
    });

    it("a refund – decided with another session's CSRF token – is refused 403 and stays under review", async () => {
      const { id } = await m.paid(900);
      const refundId = await m.refundByApi(id, 900);
      const reviewer = await m.as('reviewer');
      const otherReviewer = await m.as('reviewer');
      await reviewer.get('/merchant/refunds');
      await otherReviewer.get('/merchant/refunds');
      expect(reviewer.csrf).not.to.equal(otherReviewer.csrf);
      const res = await reviewer.post(`/merchant/refunds/${refundId}/approve`, { csrf: otherReviewer.csrf });
      expect(res.status).to.equal(403);
      const none = await reviewer.post(`/merchant/refunds/${refundId}/approve`, { csrf: '' });
      expect(none.status).to.equal(403);
      expect(await refundRow(refundId)).to.include({ status: 'pending_review', reviewed_by: null });
    });

    it("another merchant's refund – decided by its reviewer – is refused 403 and stays under review", async () => {
      const { id } = await m.paid(400);
      const refundId = await m.refundByApi(id, 400);
      const stranger = await other.as('reviewer');
      await stranger.get('/merchant/refunds');
      expect((await stranger.post(`/merchant/refunds/${refundId}/approve`)).status).to.equal(403);
      expect(await refundRow(refundId)).to.include({ status: 'pending_review', reviewed_by: null });
    });

    it('a reviewer – rejecting a refund – moves nothing and takes it off the queue', async () => {
      const { id, msisdn } = await m.paid(1100);
      const refundId = await m.refundByApi(id, 300);
      const before = await balanceOf(msisdn);
      const reviewer = await m.as('reviewer');
      await reviewer.get('/merchant/refunds');
      const res = await reviewer.post(`/merchant/refunds/${refundId}/reject`);
      expect(res.status).to.equal(200);
      expect(res.text).to.include('已拒绝');
      expect(await refundRow(refundId)).to.include({ status: 'rejected', transfer_id: null });
      expect(await balanceOf(msisdn)).to.equal(before);
    });
  });

  describe('staff, settlements and reconciliation', () => {
    it('a cashier or reviewer – creating staff – is refused 403 and creates nobody', async () => {
      for (const who of ['cashier', 'reviewer'] as const) {
        const client = await m.as(who);
        expect((await client.get('/merchant/staff')).status).to.equal(403);
        const res = await client.post('/merchant/staff', {
          username: `made_by_${who}`,
          role: 'admin',
          password: 'password-123',
        });
        expect(res.status).to.equal(403);
        expect(
          await h
            .db('merchant_staff')
            .where({ username: `made_by_${who}` })
            .first(),
        ).to.equal(undefined);
      }
    });

    it('the reconciliation download – is the same CSV as the API gives the merchant', async () => {
      await m.paid(250);
      const day = businessDay(new Date());
      const admin = await m.as('admin');
      const csv = await admin.get(`/merchant/reconciliation.csv?date=${day}`);
      expect(csv.status).to.equal(200);
      const api = await server.call('GET', `/api/reconciliation?date=${day}`, { token: m.apiKey });
      expect(csv.text).to.equal(api.text);
      expect(csv.text.split('\n')[0]).to.equal('id,time,kind,reference,msisdn,amount,fee,status');
      expect(csv.text).to.match(/\nnet,,,,,-?\d+,,\n?$/);
    });

    it("the settlements page – lists the merchant's settlement of a closed day, and no other merchant's", async () => {
      await m.paid(5000);
      await other.paid(5000);
      const day = businessDay(new Date());
      // The day close's command, run by a gateway whose clock is a day later (the day must be over).
      const tomorrow = await createHarness(
        { databaseUrl: h.config.databaseUrl },
        { clock: () => new Date(Date.now() + 86_400_000) },
      );
      try {
        for (const merchant of [m.code, other.code]) {
          const closed = await tomorrow.run('settlement', { merchant, day }, `settlement:${merchant}:${day}`);
          expect(closed.ok, JSON.stringify(closed)).to.equal(true);
        }
      } finally {
        await tomorrow.close();
      }
      const admin = await m.as('admin');
      const res = await admin.get(`/merchant/settlements?date=${day}`);
      expect(res.status).to.equal(200);
      const api = await server.call('GET', `/api/settlements?date=${day}`, { token: m.apiKey });
      expect(api.body.settlements).to.have.length(1);
      expect(res.text).to.include(api.body.settlements[0].transferId);
      const theirs = await server.call('GET', `/api/settlements?date=${day}`, { token: other.apiKey });
      expect(res.text).not.to.include(theirs.body.settlements[0].transferId);
    });
  });
});

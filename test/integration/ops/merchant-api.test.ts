import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { CommandRunner } from '../../../src/commands/index.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { expectBalanced, waitFor } from '../../helpers/ledger.js';
import { MerchantServer } from '../../helpers/merchant-server.js';
import { type Reply, startServer, type TestServer } from './server.js';

interface MerchantKeys {
  code: string;
  apiKey: string;
  reviewerKey: string;
  callbackSecret: string;
}

describe('merchant API: payments, refunds under review, reversals, payouts, callbacks', () => {
  let h: Harness;
  let server: TestServer;
  const shop = new MerchantServer();
  let m: MerchantKeys;
  let other: MerchantKeys;

  const newCode = () => `mm_${randomBytes(4).toString('hex')}`;
  const national = (msisdn: string) => msisdn.slice(2);
  const as = (key: string) => ({
    get: (path: string) => server.call('GET', path, { token: key }),
    post: (path: string, body: unknown = {}) => server.call('POST', path, { token: key, body }),
  });
  const balanceOf = async (code: string) => BigInt((await h.db('accounts').where({ code }).first('balance')).balance);
  const callbacksOf = (objectId: string) =>
    h.db('merchant_callbacks').where({ object_id: objectId }).orderBy('id').select('*');

  async function newMerchant(feeBps = 0, callbackUrl?: string): Promise<MerchantKeys> {
    const res = await server.ops('POST', '/api/merchants', {
      code: newCode(),
      name: 'Lottery 彩票',
      ...(callbackUrl ? { callbackUrl } : {}),
      feeBps,
    });
    expect(res.status, res.text).to.equal(201);
    return res.body;
  }

  /** A payment request confirmed with the PIN (as the SMS, USSD, STK or IVR confirmation does). */
  async function paidRequest(keys: MerchantKeys, msisdn: string, amount: number): Promise<string> {
    const asked = await as(keys.apiKey).post('/api/payments', {
      msisdn: national(msisdn),
      amount,
      reference: randomUUID(),
      description: 'ticket',
    });
    expect(asked.status, asked.text).to.equal(201);
    const confirmed = await h.run('payment.confirm', { msisdn, holdId: asked.body.id, pin: TEST_PIN });
    expect(confirmed.ok, JSON.stringify(confirmed)).to.equal(true);
    return asked.body.id;
  }

  before(async () => {
    h = await createHarness({ callbackFirstRetryMs: 100, callbackTimeoutMs: 2_000 });
    server = await startServer(h);
    await shop.start();
    m = await newMerchant(100, shop.url); // 1 % fee
    shop.secret = m.callbackSecret;
    other = await newMerchant();
  });
  after(async () => {
    await shop.stop();
    await server?.close();
    await h?.close();
  });

  it('POST /api/merchants – answers the keys and callback secret once and keeps none of them in clear', async () => {
    expect(m.apiKey).to.match(/^mk_/);
    expect(m.reviewerKey).to.match(/^rk_/);
    expect(m.callbackSecret).to.match(/^whsec_/);
    const keys = await h.db('merchant_keys').where({ merchant_code: m.code }).select('key_hash', 'role');
    expect(keys.map((k) => k.role).sort()).to.deep.equal(['api', 'reviewer']);
    for (const k of keys) expect(k.key_hash).to.match(/^mk1\$[0-9a-f]{8}\$[0-9a-f]{64}$/);
    const row = await h.db('merchants').where({ code: m.code }).first();
    expect(row.callback_secret).to.match(/^sealed1\./);
    const stored = JSON.stringify([row, keys], (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(stored).not.to.include(m.apiKey.slice(3));
    expect(stored).not.to.include(m.reviewerKey.slice(3));
    expect(stored).not.to.include(m.callbackSecret.slice(6));
    expect(row.fee_bps).to.equal(100);
  });

  it('merchant calls – with no key, a forged key or the wrong role – answer 401 or 403 and change nothing', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const body = { msisdn: national(msisdn), amount: 100, reference: randomUUID(), description: 'x' };
    expect((await server.call('POST', '/api/payments', { body })).status).to.equal(401);
    expect((await as(`mk_${randomBytes(24).toString('base64url')}`).post('/api/payments', body)).status).to.equal(401);
    const reviewer = await as(m.reviewerKey).post('/api/payments', body);
    expect(reviewer.status).to.equal(403);
    expect(reviewer.body.error.code).to.equal('forbidden');
    expect((await server.ops('POST', '/api/payments', body)).status).to.equal(403);
    expect(await h.db('transfers').where({ reference: body.reference }).first()).to.equal(undefined);
  });

  it('POST /api/payments – holds the amount, answers 201 pending, and asks the user by SMS', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const reference = randomUUID();
    const res = await as(m.apiKey).post('/api/payments', {
      msisdn: national(msisdn),
      amount: 1_250,
      reference,
      description: 'ticket 7',
    });
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ status: 'pending', reference });
    expect(Date.parse(res.body.expiresAt)).to.be.greaterThan(Date.now());
    const account = await server.ops('GET', `/api/accounts/${msisdn}`);
    expect(account.body).to.include({ balance: 10_000, held: 1_250, available: 8_750 });
    const got = await as(m.apiKey).get(`/api/payments/${res.body.id}`);
    expect(got.status).to.equal(200);
    expect(got.body).to.include({ id: res.body.id, status: 'pending', amount: 1_250, reference, msisdn: national(msisdn) });
    const sms = await h.db('outbox').where({ msisdn }).orderBy('id', 'desc').first('text_key');
    expect(sms.text_key).to.match(/^notify\.hold/);
  });

  it('POST /api/payments – a reference used again – answers the first result for the same content, 409 for other content', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const body = { msisdn: national(msisdn), amount: 300, reference: randomUUID(), description: 'same' };
    const first = await as(m.apiKey).post('/api/payments', body);
    const again = await as(m.apiKey).post('/api/payments', body);
    expect(again.status).to.equal(201);
    expect(again.body).to.deep.equal(first.body);
    const changed = await as(m.apiKey).post('/api/payments', { msisdn: body.msisdn, reference: body.reference, description: body.description, amount: 301 });
    expect(changed.status).to.equal(409);
    expect(changed.body.error.code).to.equal('idempotency_conflict');
    expect(await h.db('transfers').where({ reference: body.reference }).count({ n: '*' }).first()).to.deep.equal({ n: 1n });
  });

  it('POST /api/payments – the fourth pending request of a wallet – answers 429 and holds nothing more', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    for (let i = 0; i < 3; i++) {
      const res = await as(m.apiKey).post('/api/payments', {
        msisdn: national(msisdn),
        amount: 100,
        reference: randomUUID(),
      });
      expect(res.status).to.equal(201);
    }
    const fourth = await as(m.apiKey).post('/api/payments', {
      msisdn: national(msisdn),
      amount: 100,
      reference: randomUUID(),
    });
    expect(fourth.status).to.equal(429);
    expect(fourth.body.error.code).to.equal('too_many_requests');
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.held).to.equal(300);
  });

  it('a confirmed request – is paid less the fee, and the signed callback reaches the merchant once', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const feesBefore = await balanceOf('sys:fees');
    const merchantBefore = await balanceOf(`merchant:${m.code}`);
    const id = await paidRequest(m, msisdn, 2_000);
    const got = await as(m.apiKey).get(`/api/payments/${id}`);
    expect(got.body).to.include({ status: 'paid', amount: 2_000, fee: 20 });
    expect(await balanceOf('sys:fees')).to.equal(feesBefore + 20n);
    expect(await balanceOf(`merchant:${m.code}`)).to.equal(merchantBefore + 1_980n);
    await waitFor(async () => shop.accepted('payment.paid', id).length === 1);
    const [delivered] = shop.accepted('payment.paid', id);
    expect(delivered.signatureValid).to.equal(true);
    expect(delivered.body).to.include({ event: 'payment.paid', id, status: 'paid', amount: 2_000, msisdn: national(msisdn) });
    expect(delivered.body.reference).to.equal(got.body.reference);
    // What the merchant would read had it missed the callback: the same status.
    expect(got.body.status).to.equal(delivered.body.status);
    await expectBalanced(h);
  });

  it('a declined request – releases the hold, reads declined, and calls back payment.declined', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const asked = await as(m.apiKey).post('/api/payments', { msisdn: national(msisdn), amount: 700, reference: randomUUID() });
    const declined = await h.run('payment.decline', { msisdn, holdId: asked.body.id });
    expect(declined.ok).to.equal(true);
    expect((await as(m.apiKey).get(`/api/payments/${asked.body.id}`)).body.status).to.equal('declined');
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body).to.include({ held: 0, balance: 10_000 });
    await waitFor(async () => shop.accepted('payment.declined', asked.body.id).length === 1);
  });

  it('an expired request – reads expired before and after the sweep voids it, and calls back payment.expired', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const asked = await as(m.apiKey).post('/api/payments', { msisdn: national(msisdn), amount: 900, reference: randomUUID() });
    const expiresAt = Date.parse(asked.body.expiresAt);
    // The sweep's command as a worker whose clock has passed the expiry runs it (maintenance.ts).
    const later = new CommandRunner(h.db, h.config, () => new Date(expiresAt + 1_000));
    const voided = await later.run({
      key: `hold-expiry:${asked.body.id}`,
      type: 'payment.decline',
      input: { msisdn, holdId: asked.body.id },
    });
    expect(voided.ok, JSON.stringify(voided)).to.equal(true);
    h.callbacks.kick();
    expect((await as(m.apiKey).get(`/api/payments/${asked.body.id}`)).body.status).to.equal('expired');
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.held).to.equal(0);
    await waitFor(async () => shop.accepted('payment.expired', asked.body.id).length === 1);
    expect(shop.accepted('payment.expired', asked.body.id)[0].body.status).to.equal('expired');
  });

  it("another merchant's payment – is refused 403 to read, refund or reverse", async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const id = await paidRequest(m, msisdn, 500);
    const stranger = as(other.apiKey);
    expect((await stranger.get(`/api/payments/${id}`)).status).to.equal(403);
    const refund = await stranger.post(`/api/payments/${id}/refund`, { reason: 'mine?', reference: randomUUID() });
    expect(refund.status).to.equal(403);
    expect((await stranger.post(`/api/payments/${id}/reverse`, { reason: 'mine?' })).status).to.equal(403);
    expect((await as(m.apiKey).get('/api/payments/999999999')).status).to.equal(404);
    expect((await as(m.apiKey).get(`/api/payments/${id}`)).body.status).to.equal('paid');
  });

  it('a refund – waits for review; the asking key cannot approve; the reviewer approves and the money moves', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const id = await paidRequest(m, msisdn, 1_000);
    const tooMuch = await as(m.apiKey).post(`/api/payments/${id}/refund`, {
      amount: 1_001,
      reason: 'too much',
      reference: randomUUID(),
    });
    expect(tooMuch.status).to.equal(422);
    expect(tooMuch.body.error.code).to.equal('refund_too_large');

    const asked = await as(m.apiKey).post(`/api/payments/${id}/refund`, {
      amount: 400,
      reason: 'one ticket back',
      reference: randomUUID(),
    });
    expect(asked.status, asked.text).to.equal(202);
    expect(asked.body.status).to.equal('pending_review');
    const walletBefore = (await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance;

    const byRequester = await as(m.apiKey).post(`/api/refunds/${asked.body.refundId}/approve`);
    expect(byRequester.status).to.equal(403);
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance).to.equal(walletBefore);

    const approved = await as(m.reviewerKey).post(`/api/refunds/${asked.body.refundId}/approve`);
    expect(approved.status, approved.text).to.equal(200);
    expect(approved.body).to.include({ status: 'approved', amount: 400, refunded: 400 });
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance).to.equal(walletBefore + 400);
    const got = await as(m.apiKey).get(`/api/payments/${id}`);
    expect(got.body).to.include({ status: 'partially_refunded', refunded: 400 });
    expect(got.body.refunds).to.have.length(1);
    expect(got.body.refunds[0]).to.include({ refundId: asked.body.refundId, status: 'approved', amount: 400 });
    await waitFor(async () => shop.accepted('refund.approved', asked.body.refundId).length === 1);

    const rejectAfter = await as(m.reviewerKey).post(`/api/refunds/${asked.body.refundId}/reject`);
    expect(rejectAfter.status).to.equal(409);
    expect(rejectAfter.body.error.code).to.equal('refund_not_pending');
  });

  it('two refunds approved at once – never refund more than was paid', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const id = await paidRequest(m, msisdn, 1_000);
    const ask = () =>
      as(m.apiKey).post(`/api/payments/${id}/refund`, { amount: 600, reason: 'half and more', reference: randomUUID() });
    const [a, b] = [await ask(), await ask()];
    expect([a.status, b.status]).to.deep.equal([202, 202]);
    const results = await Promise.all([
      as(m.reviewerKey).post(`/api/refunds/${a.body.refundId}/approve`),
      as(m.reviewerKey).post(`/api/refunds/${b.body.refundId}/approve`),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 422]);
    expect(results.find((r) => r.status === 422)!.body.error.code).to.equal('refund_too_large');
    const payment = await h.db('transfers').where({ id }).first('refunded');
    expect(payment.refunded).to.equal(600n);
    const refunds = await h.db('transfers').where({ original_id: id, kind: 'refund' }).select('amount');
    expect(refunds.map((r) => r.amount)).to.deep.equal([600n]);
    await expectBalanced(h);
  });

  it('one refund approved twice at once – moves its money once', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const id = await paidRequest(m, msisdn, 1_000);
    const asked = await as(m.apiKey).post(`/api/payments/${id}/refund`, { reason: 'all', reference: randomUUID() });
    expect(asked.body.amount).to.equal(1_000);
    const both = await Promise.all([
      as(m.reviewerKey).post(`/api/refunds/${asked.body.refundId}/approve`),
      as(m.reviewerKey).post(`/api/refunds/${asked.body.refundId}/approve`),
    ]);
    expect(both.map((r) => r.status)).to.deep.equal([200, 200]);
    expect(both[0].body).to.deep.equal(both[1].body);
    const refunds = await h.db('transfers').where({ original_id: id, kind: 'refund' }).select('amount');
    expect(refunds).to.have.length(1);
    expect((await as(m.apiKey).get(`/api/payments/${id}`)).body.status).to.equal('refunded');
  });

  it('a rejected refund – moves nothing and calls back refund.rejected', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const id = await paidRequest(m, msisdn, 800);
    const asked = await as(m.apiKey).post(`/api/payments/${id}/refund`, { reason: 'no', reference: randomUUID() });
    const rejected = await as(m.reviewerKey).post(`/api/refunds/${asked.body.refundId}/reject`);
    expect(rejected.status).to.equal(200);
    expect(rejected.body.status).to.equal('rejected');
    expect((await as(m.apiKey).get(`/api/payments/${id}`)).body).to.include({ status: 'paid', refunded: 0 });
    await waitFor(async () => shop.accepted('refund.rejected', asked.body.refundId).length === 1);
  });

  it('a reversal the same day – returns the whole payment and the fee, once', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const feesBefore = await balanceOf('sys:fees');
    const id = await paidRequest(m, msisdn, 3_000);
    const reversed = await as(m.apiKey).post(`/api/payments/${id}/reverse`, { reason: 'not delivered' });
    expect(reversed.status, reversed.text).to.equal(200);
    expect(reversed.body).to.include({ status: 'reversed', amount: 3_000 });
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance).to.equal(10_000);
    expect(await balanceOf('sys:fees')).to.equal(feesBefore);
    const again = await as(m.apiKey).post(`/api/payments/${id}/reverse`, { reason: 'not delivered' });
    expect(again.body).to.deep.equal(reversed.body);
    expect((await as(m.apiKey).get(`/api/payments/${id}`)).body.status).to.equal('reversed');
    await waitFor(async () => shop.accepted('payment.reversed', id).length === 1);
  });

  it('POST /api/payouts – pays the prize from the merchant account and calls back payout.paid', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 0n);
    await paidRequest(m, await h.openWallet(newMsisdn(), 10_000n), 5_000); // funds the merchant
    const reference = randomUUID();
    const paid = await as(m.apiKey).post('/api/payouts', {
      msisdn: national(msisdn),
      amount: 888,
      reference,
      description: '三等奖',
    });
    expect(paid.status, paid.text).to.equal(201);
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance).to.equal(888);
    const reused = await as(m.apiKey).post('/api/payouts', { msisdn: national(msisdn), amount: 889, reference });
    expect(reused.status).to.equal(409);
    await waitFor(async () => shop.accepted('payout.paid', paid.body.id).length === 1);
    const broke = await as(other.apiKey).post('/api/payouts', { msisdn: national(msisdn), amount: 1, reference });
    expect(broke.status).to.equal(422);
    expect(broke.body.error.code).to.equal('insufficient_funds');
  });

  it('a callback answered 500 – is retried and delivered once; the log shows both attempts', async () => {
    shop.plan.push(500);
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const id = await paidRequest(m, msisdn, 100);
    await waitFor(async () => shop.accepted('payment.paid', id).length === 1);
    const refused = shop.received.filter((r) => r.body?.id === id && r.answered === 500);
    expect(refused).to.have.length(1);
    expect(refused[0].raw).to.equal(shop.accepted('payment.paid', id)[0].raw);
    await waitFor(async () => (await callbacksOf(id))[0]?.delivered_at !== null);
    const log = await server.ops('GET', `/api/merchants/${m.code}/callbacks?id=${id}`);
    expect(log.status).to.equal(200);
    expect(log.body.callbacks).to.have.length(1);
    expect(log.body.callbacks[0]).to.include({ event: 'payment.paid', attempts: 2, lastStatus: 200 });
    expect((await as(m.apiKey).get(`/api/merchants/${m.code}/callbacks`)).status).to.equal(401);
  });

  it("the merchant's server down for a while – every callback is delivered exactly once once it is back", async () => {
    const payee = await h.openWallet(newMsisdn(), 0n);
    await paidRequest(m, await h.openWallet(newMsisdn(), 10_000n), 3_000);
    await shop.stop();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await as(m.apiKey).post('/api/payouts', { msisdn: national(payee), amount: 10 + i, reference: randomUUID() });
      expect(res.status).to.equal(201);
      ids.push(res.body.id);
    }
    // Every one of them tried and refused (nothing listening) at least twice before the server returns.
    await waitFor(async () => {
      const rows = await Promise.all(ids.map(callbacksOf));
      return rows.every((r) => r.length === 1 && r[0].attempts >= 2 && r[0].delivered_at === null);
    }, 20_000);
    await shop.start();
    await waitFor(async () => {
      const rows = await Promise.all(ids.map(callbacksOf));
      return rows.every((r) => r[0].delivered_at !== null);
    }, 30_000);
    for (const id of ids) {
      expect(shop.accepted('payout.paid', id), id).to.have.length(1);
      expect(shop.received.filter((r) => r.body?.id === id)).to.have.length(1);
    }
  });

  it('POST /api/merchants/:code/keys/rotate – the old key works for the grace period, then answers 401', async () => {
    const keys = await newMerchant();
    const kept = await server.ops('POST', `/api/merchants/${keys.code}/keys/rotate`, { key: 'apiKey', graceSeconds: 3600 });
    expect(kept.status, kept.text).to.equal(200);
    expect(kept.body.apiKey).to.match(/^mk_/);
    expect((await as(keys.apiKey).get('/api/settlements?date=2026-01-01')).status).to.equal(200);
    expect((await as(kept.body.apiKey).get('/api/settlements?date=2026-01-01')).status).to.equal(200);
    const cut = await server.ops('POST', `/api/merchants/${keys.code}/keys/rotate`, { key: 'apiKey', graceSeconds: 0 });
    expect(cut.status).to.equal(200);
    expect((await as(keys.apiKey).get('/api/settlements?date=2026-01-01')).status).to.equal(401);
    expect((await as(kept.body.apiKey).get('/api/settlements?date=2026-01-01')).status).to.equal(401);
    expect((await as(cut.body.apiKey).get('/api/settlements?date=2026-01-01')).status).to.equal(200);
    expect((await as(keys.reviewerKey).get('/api/settlements?date=2026-01-01')).status).to.equal(200);
    const rotated = await server.call('POST', `/api/merchants/${keys.code}/keys/rotate`, { token: cut.body.apiKey, body: {} });
    expect(rotated.status).to.equal(401);
    expect((await server.ops('POST', '/api/merchants/nobody_here/keys/rotate', {})).status).to.equal(404);
  });

  for (const [label, body] of [
    ['the amount is a float', { amount: 12.5 }],
    ['the amount is a string', { amount: '100' }],
    ['the MSISDN is not a mobile', { msisdn: '12345' }],
    ['the reference is missing', { reference: undefined }],
    ['a field is unknown', { currency: 'USD' }],
  ] as const) {
    it(`POST /api/payments – when ${label} – answers 400 invalid and holds nothing`, async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      const base: Record<string, unknown> = { msisdn: national(msisdn), amount: 100, reference: randomUUID() };
      const res: Reply = await as(m.apiKey).post('/api/payments', Object.assign(base, body));
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid');
      expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.held).to.equal(0);
    });
  }
});

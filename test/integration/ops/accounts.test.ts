import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { nationalMsisdn } from '../../../src/lib/msisdn.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { startServer, type TestServer } from './server.js';

describe('ops API: accounts and their transactions', () => {
  let h: Harness;
  let server: TestServer;
  let msisdn: string;
  let national: string;
  const merchant = `acc_${randomBytes(4).toString('hex')}`;
  before(async () => {
    h = await createHarness();
    server = await startServer(h);
    msisdn = await h.openWallet(newMsisdn(), 10_000n);
    national = nationalMsisdn(msisdn);
    await h.merchant(merchant);
    const paid = await h.run('payment', {
      msisdn,
      merchant,
      amount: '1250',
      pin: TEST_PIN,
      reference: 'order-1',
    });
    expect(paid.ok, JSON.stringify(paid)).to.equal(true);
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  it('GET /api/accounts/:msisdn – for a wallet – answers its status, balance, limits and spending in fen', async () => {
    const res = await server.ops('GET', `/api/accounts/${msisdn}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({
      msisdn: national,
      status: 'active',
      balance: 8_750,
      currency: 'CNY',
      limits: { perPayment: 50_000, daily: 100_000, spentToday: 1_250 },
    });
    expect(new Date(res.body.createdAt).getTime()).to.be.closeTo(Date.now(), 60_000);
  });

  for (const form of ['national', '+86', '0086'] as const) {
    it(`GET /api/accounts/:msisdn – when the MSISDN is written ${form} – finds the same wallet`, async () => {
      const written = form === 'national' ? national : form === '+86' ? `+${msisdn}` : `00${msisdn}`;
      const res = await server.ops('GET', `/api/accounts/${encodeURIComponent(written)}`);
      expect(res.status).to.equal(200);
      expect(res.body.msisdn).to.equal(national);
      expect(res.body.balance).to.equal(8_750);
    });
  }

  it('GET /api/accounts/:msisdn – when no wallet has the number – answers 404 not_a_user', async () => {
    const res = await server.ops('GET', `/api/accounts/${newMsisdn()}`);
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_a_user');
  });

  for (const bad of ['abc', '12345', '23800138000', '1380013800012345']) {
    it(`GET /api/accounts/:msisdn – when the MSISDN is malformed (${bad}) – answers 400 invalid`, async () => {
      const res = await server.ops('GET', `/api/accounts/${bad}`);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid');
      expect(res.body.error.message).to.match(/msisdn/);
    });
  }

  it('GET /api/accounts/:msisdn/transactions – answers the postings newest first, signed, with balances after', async () => {
    const res = await server.ops('GET', `/api/accounts/${national}/transactions`);
    expect(res.status).to.equal(200);
    expect(res.body.next).to.equal(null);
    const [payment, topup] = res.body.transactions;
    expect(res.body.transactions).to.have.length(2);
    expect(payment).to.deep.include({
      kind: 'payment',
      amount: -1_250,
      balanceAfter: 8_750,
      counterparty: merchant,
    });
    expect(topup).to.deep.include({ kind: 'topup_counter', amount: 10_000, balanceAfter: 10_000 });
    expect(payment.id).to.match(/^\d+$/);
    expect(BigInt(payment.id) > BigInt(topup.id)).to.equal(true);
    expect(Date.parse(payment.at)).to.be.a('number').and.not.NaN;
  });

  it('GET /api/accounts/:msisdn/transactions – with limit 1 – pages through with next and before', async () => {
    const first = await server.ops('GET', `/api/accounts/${msisdn}/transactions?limit=1`);
    expect(first.status).to.equal(200);
    expect(first.body.transactions).to.have.length(1);
    expect(first.body.transactions[0].kind).to.equal('payment');
    expect(first.body.next).to.equal(first.body.transactions[0].id);
    const second = await server.ops(
      'GET',
      `/api/accounts/${msisdn}/transactions?limit=1&before=${first.body.next}`,
    );
    expect(second.status).to.equal(200);
    expect(second.body.transactions.map((t: { kind: string }) => t.kind)).to.deep.equal(['topup_counter']);
    expect(second.body.next).to.equal(null);
  });

  for (const query of [
    'limit=0',
    'limit=101',
    'limit=abc',
    'limit=1.5',
    'before=abc',
    'before=-1',
    'before=99999999999999999999',
  ]) {
    it(`GET /api/accounts/:msisdn/transactions – when the query is bad (${query}) – answers 400 invalid`, async () => {
      const res = await server.ops('GET', `/api/accounts/${msisdn}/transactions?${query}`);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid');
    });
  }

  it('GET /api/accounts/:msisdn/transactions – when no wallet has the number – answers 404 not_a_user', async () => {
    const res = await server.ops('GET', `/api/accounts/${newMsisdn()}/transactions`);
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_a_user');
  });

  it('POST /api/accounts/:msisdn/unlock-pin – on a locked wallet – answers unlocked; again – 409 not_locked; without a reason – 400', async () => {
    const locked = await h.openWallet(newMsisdn(), 1_000n);
    for (let i = 0; i < 3; i++)
      await h.run('payment', { msisdn: locked, merchant, amount: '100', pin: '246813' });
    const path = `/api/accounts/${nationalMsisdn(locked)}/unlock-pin`;
    const res = await server.ops('POST', path, { reason: 'identity checked by phone' });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ msisdn: nationalMsisdn(locked), status: 'unlocked' });
    const again = await server.ops('POST', path, { reason: 'again' });
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('not_locked');
    expect((await server.ops('POST', path, {})).status).to.equal(400);
    expect((await server.call('POST', path, { body: { reason: 'x' } })).status).to.equal(401);
  });
});

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { walletCode } from '../../../src/ledger/codes.js';
import { type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { type TestServer, useOpsServer } from './server.js';

describe('ops API: ledger check', () => {
  let h: Harness;
  let server: TestServer;
  useOpsServer((harness, started) => {
    h = harness;
    server = started;
  });

  it('GET /api/ledger/check – after top-ups, a card, a payment and a transfer – answers 200 balanced', async () => {
    const a = await h.openWallet(newMsisdn(), 5_000n);
    const b = await h.openWallet(newMsisdn());
    const merchant = `led_${randomBytes(4).toString('hex')}`;
    await h.merchant(merchant);
    const topup = await server.ops('POST', '/api/topups', {
      msisdn: a,
      amount: 1_000,
      reference: `led-${merchant}`,
    });
    expect(topup.status).to.equal(201);
    const [card] = (await server.ops('POST', '/api/vouchers', { count: 1, amount: 300 })).body;
    expect((await h.run('topup.card', { msisdn: b, serial: card.serial, cardPin: card.pin })).ok).to.equal(
      true,
    );
    expect((await h.run('payment', { msisdn: a, merchant, amount: '1250', pin: TEST_PIN })).ok).to.equal(
      true,
    );
    expect((await h.run('transfer', { msisdn: a, to: b, amount: '500', pin: TEST_PIN })).ok).to.equal(true);

    const res = await server.ops('GET', '/api/ledger/check');
    expect(res.status).to.equal(200);
    expect(res.body, JSON.stringify(res.body)).to.deep.include({
      balanced: true,
      total: 0,
      unbalancedTransfers: [],
      balanceMismatches: [],
      referenceErrors: [],
      negativeAccounts: [],
    });
    expect(res.body.transfers).to.be.at.least(5);
  });

  it('GET /api/ledger/check – when a balance disagrees with its entries – answers 200 with balanced false naming it', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 100n);
    const code = walletCode(msisdn);
    await h.db('accounts').where({ code }).increment('balance', 1);
    try {
      const res = await server.ops('GET', '/api/ledger/check');
      expect(res.status).to.equal(200);
      expect(res.body.balanced).to.equal(false);
      expect(res.body.balanceMismatches).to.include(code);
      expect(res.body.total).to.equal(1);
    } finally {
      await h.db('accounts').where({ code }).decrement('balance', 1);
    }
    expect((await server.ops('GET', '/api/ledger/check')).body.balanced).to.equal(true);
  });

  it('GET /api/ledger/check – when an entry sits on an account its transfer does not name – answers balanced false naming it', async () => {
    const from = await h.openWallet(newMsisdn(), 1_000n);
    const to = await h.openWallet(newMsisdn());
    const other = await h.openWallet(newMsisdn());
    expect((await h.run('transfer', { msisdn: from, to, amount: '300', pin: TEST_PIN })).ok).to.equal(true);
    const [toId, otherId] = await Promise.all(
      [to, other].map(
        async (m) =>
          (
            await h
              .db('accounts')
              .where({ code: walletCode(m) })
              .first()
          ).id as bigint,
      ),
    );
    const entry = await h.db('entries').where({ account_id: toId }).orderBy('id', 'desc').first();
    // Move the credit to another wallet, balances included: only the reference is wrong now.
    const move = async (fromId: bigint, toAccount: bigint) => {
      await h.db('entries').where({ id: entry.id }).update({ account_id: toAccount });
      await h.db('accounts').where({ id: fromId }).decrement('balance', 300);
      await h.db('accounts').where({ id: toAccount }).increment('balance', 300);
    };
    await move(toId, otherId);
    try {
      const res = await server.ops('GET', '/api/ledger/check');
      expect(res.body.balanced).to.equal(false);
      expect(res.body.balanceMismatches).to.deep.equal([]);
      expect(res.body.referenceErrors).to.deep.equal([`entry ${entry.id}: not on its transfer's accounts`]);
    } finally {
      await move(otherId, toId);
    }
    expect((await server.ops('GET', '/api/ledger/check')).body.balanced).to.equal(true);
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { sweep } from '../../../src/queue/maintenance.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { createOwnDatabase, type OwnDatabase } from '../../helpers/own-database.js';
import { expectBalanced, ledgerSnapshot, textsFor, waitFor, walletBalance } from '../../helpers/ledger.js';
import { keyringOf } from '../../../src/lib/keyring.js';

describe('ledger rules', () => {
  let h: Harness;
  const merchant = `r${randomUUID().slice(0, 6)}`;
  before(async () => {
    h = await createHarness();
    await h.merchant(merchant);
  });
  after(async () => {
    await expectBalanced(h);
    await h.close();
  });

  describe('opening and closing', () => {
    it('account.open – sends the initial login password and a 6-digit PIN that then works, and never stores them', async () => {
      const msisdn = newMsisdn();
      const opened = await h.run('account.open', { msisdn });
      expect(opened.ok && opened.value.status).to.equal('active');
      const [row] = await h.db('outbox').where({ msisdn, reason: 'opened' }).select('id', 'sensitive');
      expect(row.sensitive).to.equal(true);
      await h.relay.relayOnce();
      await waitFor(async () => Boolean(await h.relay.queue.getJob(`outbox-${row.id}`)));
      const job = await h.relay.queue.getJob(`outbox-${row.id}`);
      // The job carries the text sealed; only the SMS sender opens it.
      const sealed = String(job?.data.mts[0].text);
      expect(sealed).to.match(/^sealed1\./);
      const pin = /初始支付密码:(\d{6})/.exec(keyringOf(h.config).unseal(sealed))?.[1];
      expect(pin).to.match(/^\d{6}$/);
      expect(JSON.stringify(opened)).not.to.contain(pin);
      const user = await h.db('users').where({ msisdn }).first('pin_hash', 'login_hash');
      expect(user.pin_hash)
        .to.match(/^pvv1\$[0-9a-f]{8}\$[0-9a-f]{64}$/)
        .and.not.contain(pin);
      await h.run('topup.counter', { msisdn, amount: '500', reference: randomUUID() });
      const paid = await h.run('payment', { msisdn, merchant, amount: '100', pin: pin! });
      expect(paid).to.deep.include({ ok: true });
    });

    it('account.open – once relayed, the SMS with the initial passwords is blanked in the outbox', async () => {
      const msisdn = newMsisdn();
      await h.run('account.open', { msisdn });
      await h.relay.relayOnce();
      await waitFor(async () =>
        Boolean((await h.db('outbox').where({ msisdn, reason: 'opened' }).first('relayed_at')).relayed_at),
      );
      const [row] = await h.db('outbox').where({ msisdn, reason: 'opened' }).select('text', 'relayed_at');
      expect(row.relayed_at).to.be.instanceOf(Date);
      expect(row.text).not.to.match(/\d{6}/);
      const job = await h.relay.queue.getJob(
        `outbox-${(await h.db('outbox').where({ msisdn }).first('id')).id}`,
      );
      expect(job?.data.mts[0].msisdn).to.equal(msisdn);
    });

    it('account.open – for a phone that has a wallet – refuses already_open', async () => {
      const msisdn = await h.openWallet(newMsisdn());
      const again = await h.run('account.open', { msisdn });
      expect(!again.ok && again.error.code).to.equal('already_open');
    });

    it('account.close – with money left – refuses balance_not_zero; once empty – closes and takes part in nothing', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 100n);
      const refused = await h.run('account.close', { msisdn });
      expect(!refused.ok && refused.error.code).to.equal('balance_not_zero');
      await h.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN });
      expect(await h.run('account.close', { msisdn })).to.deep.include({ ok: true });
      const topup = await h.run('topup.counter', { msisdn, amount: '100', reference: randomUUID() });
      expect(!topup.ok && topup.error.code).to.equal('account_closed');
    });
  });

  describe('freeze and unfreeze', () => {
    it('a frozen wallet – can neither pay nor receive – and unfreezing with the PIN restores it', async () => {
      const a = await h.openWallet(newMsisdn(), 5_000n);
      const b = await h.openWallet(newMsisdn(), 5_000n);
      expect(await h.run('account.freeze', { msisdn: a })).to.deep.include({ ok: true });
      const before = await ledgerSnapshot(h);
      const pay = await h.run('payment', { msisdn: a, merchant, amount: '100', pin: TEST_PIN });
      const receive = await h.run('transfer', { msisdn: b, to: a, amount: '100', pin: TEST_PIN });
      const topup = await h.run('topup.counter', { msisdn: a, amount: '100', reference: randomUUID() });
      expect(!pay.ok && pay.error.code).to.equal('account_frozen');
      expect(!receive.ok && receive.error.code).to.equal('counterparty_unavailable');
      expect(!topup.ok && topup.error.code).to.equal('account_frozen');
      expect(await ledgerSnapshot(h)).to.equal(before);
      const wrong = await h.run('account.unfreeze', { msisdn: a, pin: '999999' });
      expect(!wrong.ok && wrong.error.code).to.equal('wrong_pin');
      expect(await h.run('account.unfreeze', { msisdn: a, pin: TEST_PIN })).to.deep.include({ ok: true });
      expect(await h.run('payment', { msisdn: a, merchant, amount: '100', pin: TEST_PIN })).to.deep.include({
        ok: true,
      });
    });

    it('the scheduled unfreeze – when the user froze the wallet again meanwhile – leaves it frozen', async () => {
      const a = await h.openWallet(newMsisdn());
      const first = await h.run('account.freeze', { msisdn: a, days: 1 });
      const firstUntil = String(first.ok && first.value.frozenUntil);
      await h.run('account.freeze', { msisdn: a });
      const stale = await h.run('account.unfreeze', { msisdn: a, ifFrozenUntil: firstUntil });
      expect(!stale.ok && stale.error.code).to.equal('not_frozen');
      expect(
        (
          await h
            .db('accounts')
            .where({ code: `wallet:${a}` })
            .first('status')
        ).status,
      ).to.equal('frozen');
    });
  });

  describe('limits', () => {
    it('payment – above ¥500 – refuses limit_per_payment', async () => {
      const a = await h.openWallet(newMsisdn(), 200_000n);
      const result = await h.run('payment', { msisdn: a, merchant, amount: '50001', pin: TEST_PIN });
      expect(!result.ok && result.error.code).to.equal('limit_per_payment');
    });

    it('payments – beyond ¥1,000 in a day – refuse limit_daily, transfers counted too', async () => {
      const a = await h.openWallet(newMsisdn(), 200_000n);
      const b = await h.openWallet(newMsisdn());
      expect(await h.run('payment', { msisdn: a, merchant, amount: '50000', pin: TEST_PIN })).to.deep.include(
        { ok: true },
      );
      expect(await h.run('transfer', { msisdn: a, to: b, amount: '49999', pin: TEST_PIN })).to.deep.include({
        ok: true,
      });
      const over = await h.run('payment', { msisdn: a, merchant, amount: '2', pin: TEST_PIN });
      expect(!over.ok && over.error.code).to.equal('limit_daily');
      expect(await h.run('payment', { msisdn: a, merchant, amount: '1', pin: TEST_PIN })).to.deep.include({
        ok: true,
      });
    });

    it('limits.set – the user lowers the per-payment limit – and cannot raise it above the cap', async () => {
      const a = await h.openWallet(newMsisdn(), 10_000n);
      expect(await h.run('limits.set', { msisdn: a, perPayment: '1000' })).to.deep.include({ ok: true });
      const over = await h.run('payment', { msisdn: a, merchant, amount: '1001', pin: TEST_PIN });
      expect(!over.ok && over.error.code).to.equal('limit_per_payment');
      const above = await h.run('limits.set', { msisdn: a, daily: '100001' });
      expect(!above.ok && above.error.code).to.equal('limit_above_cap');
    });
  });

  describe('payment PIN', () => {
    it('three wrong PINs – lock payments for 24 h, even with the right PIN, whatever command is used', async () => {
      const a = await h.openWallet(newMsisdn(), 10_000n);
      const b = await h.openWallet(newMsisdn());
      const first = await h.run('payment', { msisdn: a, merchant, amount: '100', pin: '000001' });
      expect(!first.ok && first.error.message).to.contain('2 attempt');
      const second = await h.run('transfer', { msisdn: a, to: b, amount: '100', pin: '000001' });
      expect(!second.ok && second.error.code).to.equal('wrong_pin');
      const third = await h.run('pin.change', { msisdn: a, oldPin: '000001', newPin: '246801' });
      expect(!third.ok && third.error.code).to.equal('pin_locked');
      const right = await h.run('payment', { msisdn: a, merchant, amount: '100', pin: TEST_PIN });
      expect(!right.ok && right.error.code).to.equal('pin_locked');
      const user = await h.db('users').where({ msisdn: a }).first('pin_locked_until');
      expect(user.pin_locked_until.getTime() - Date.now()).to.be.within(23.9 * 3600_000, 24 * 3600_000);
      expect(await walletBalance(h, a)).to.equal(10_000n);
    });

    it('a right PIN – resets the count of wrong ones', async () => {
      const a = await h.openWallet(newMsisdn(), 10_000n);
      await h.run('payment', { msisdn: a, merchant, amount: '100', pin: '000001' });
      await h.run('payment', { msisdn: a, merchant, amount: '100', pin: '000001' });
      expect(await h.run('payment', { msisdn: a, merchant, amount: '100', pin: TEST_PIN })).to.deep.include({
        ok: true,
      });
      const wrong = await h.run('payment', { msisdn: a, merchant, amount: '100', pin: '000001' });
      expect(!wrong.ok && wrong.error.code).to.equal('wrong_pin');
    });

    it('pin.change – to a trivial PIN – refuses pin_format; to a good one – the new PIN works and the old does not', async () => {
      const a = await h.openWallet(newMsisdn(), 10_000n);
      const trivial = await h.run('pin.change', { msisdn: a, oldPin: TEST_PIN, newPin: '123456' });
      expect(!trivial.ok && trivial.error.code).to.equal('pin_format');
      expect(await h.run('pin.change', { msisdn: a, oldPin: TEST_PIN, newPin: '864209' })).to.deep.include({
        ok: true,
      });
      const old = await h.run('payment', { msisdn: a, merchant, amount: '100', pin: TEST_PIN });
      expect(!old.ok && old.error.code).to.equal('wrong_pin');
      expect(await h.run('payment', { msisdn: a, merchant, amount: '100', pin: '864209' })).to.deep.include({
        ok: true,
      });
    });
  });

  // The sweep acts on every due row of the database it is given, and these tests run it with the clock
  // moved ahead: each gets a database of its own, so it sees its own accounts only and voids or unfreezes
  // nothing of any other test.
  describe('the scheduled sweep, on a database of its own', () => {
    let own: Harness;
    /** What this test's beforeEach made, for its afterEach to close (never an earlier test's). */
    let made: { database?: OwnDatabase; harness?: Harness } = {};
    beforeEach(async function () {
      this.timeout(60_000);
      made = {};
      made.database = await createOwnDatabase('sweep');
      own = made.harness = await createHarness({ databaseUrl: made.database.url });
      await own.merchant(merchant);
    });
    afterEach(async () => {
      const { database, harness } = made;
      try {
        if (harness) await expectBalanced(harness);
      } finally {
        await harness?.close();
        await database?.drop();
      }
    });

    it('a wallet frozen for 7 days – is unfrozen by the scheduled sweep once the date has come, not before', async () => {
      const a = await own.openWallet(newMsisdn());
      const frozen = await own.run('account.freeze', { msisdn: a, days: 7 });
      const until = new Date(String(frozen.ok && frozen.value.frozenUntil));
      expect(until.getTime() - Date.now()).to.be.greaterThan(6.9 * 86_400_000);
      expect(await sweep(own.db, own.bus, new Date())).to.deep.equal([]);
      const due = await sweep(own.db, own.bus, new Date(until.getTime() + 1000));
      expect(due.map((c) => [c.type, (c.input as { msisdn: string }).msisdn])).to.deep.equal([
        ['account.unfreeze', a],
      ]);
      await waitFor(
        async () =>
          (
            await own
              .db('accounts')
              .where({ code: `wallet:${a}` })
              .first('status')
          ).status === 'active',
      );
      expect((await textsFor(own, a)).at(-1)).to.equal('您的钱包已解冻。');
    });

    it('a payment request past its expiry – is voided by the sweep and cannot be confirmed', async () => {
      const a = await own.openWallet(newMsisdn(), 5_000n);
      const req = await own.run('payment.request', {
        merchant,
        msisdn: a,
        amount: '3000',
        reference: randomUUID(),
      });
      const holdId = String(req.ok && req.value.holdId);
      await own
        .db('transfers')
        .where({ id: holdId })
        .update({ expires_at: new Date(Date.now() - 1000) });
      const late = await own.run('payment.confirm', { msisdn: a, holdId, pin: TEST_PIN });
      expect(!late.ok && late.error.code).to.equal('hold_expired');
      const due = await sweep(own.db, own.bus);
      expect(due.map((c) => c.key)).to.deep.equal([`hold-expiry:${holdId}`]);
      await waitFor(
        async () => (await own.db('transfers').where({ id: holdId }).first('status')).status === 'voided',
      );
      expect(
        (
          await own
            .db('accounts')
            .where({ code: `wallet:${a}` })
            .first('held')
        ).held,
      ).to.equal(0n);
    });
  });
});

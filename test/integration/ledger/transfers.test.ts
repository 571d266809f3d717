import { randomUUID } from 'node:crypto';
import { storedResults } from '../../../src/ledger/command-store.js';
import { expect } from 'chai';
import type { Command, CommandResult } from '../../../src/commands/catalog.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { expectBalanced, ledgerSnapshot, textsFor, waitFor, walletBalance } from '../../helpers/ledger.js';

describe('ledger transfers', () => {
  let h: Harness;
  const merchant = `m${randomUUID().slice(0, 6)}`;
  before(async () => {
    h = await createHarness();
    await h.merchant(merchant, '便利店');
  });
  after(async () => {
    await expectBalanced(h);
    await h.close();
  });

  describe('top-up by recharge card', () => {
    it('topup.card – with the right card PIN – credits the card amount once and marks the card used', async () => {
      const user = await h.openWallet(newMsisdn());
      const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 5_000n);
      const first = await h.run('topup.card', { msisdn: user, serial: card.serial, cardPin: card.pin });
      expect(first).to.deep.include({ ok: true });
      expect(await walletBalance(h, user)).to.equal(5_000n);
      const again = await h.run('topup.card', { msisdn: user, serial: card.serial, cardPin: card.pin });
      expect(again).to.deep.equal({
        ok: false,
        error: { code: 'voucher_used', message: 'this card has already been used' },
      });
      expect(await walletBalance(h, user)).to.equal(5_000n);
    });

    it('topup.card – when another wallet redeems a used card – refuses and moves nothing', async () => {
      const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 1_000n);
      const a = await h.openWallet(newMsisdn());
      const b = await h.openWallet(newMsisdn());
      expect(
        await h.run('topup.card', { msisdn: a, serial: card.serial, cardPin: card.pin }),
      ).to.deep.include({ ok: true });
      const before = await ledgerSnapshot(h);
      const refused = await h.run('topup.card', { msisdn: b, serial: card.serial, cardPin: card.pin });
      expect(!refused.ok && refused.error.code).to.equal('voucher_used');
      expect(await ledgerSnapshot(h)).to.equal(before);
    });

    it('topup.card – with a wrong card PIN or an unknown serial – answers voucher_invalid for both', async () => {
      const user = await h.openWallet(newMsisdn());
      const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 1_000n);
      const wrongPin = card.pin === '000000' ? '111111' : '000000';
      const wrong = await h.run('topup.card', { msisdn: user, serial: card.serial, cardPin: wrongPin });
      const unknown = await h.run('topup.card', {
        msisdn: user,
        serial: '8600000000000000',
        cardPin: card.pin,
      });
      expect(!wrong.ok && wrong.error.code).to.equal('voucher_invalid');
      expect(!unknown.ok && unknown.error.code).to.equal('voucher_invalid');
      expect(await walletBalance(h, user)).to.equal(0n);
    });

    it('topup.card – when two wallets race for one card – exactly one gets it', async () => {
      const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 2_000n);
      const users = await Promise.all([
        h.openWallet(newMsisdn()),
        h.openWallet(newMsisdn()),
        h.openWallet(newMsisdn()),
      ]);
      const results = await Promise.all(
        users.map((u) => h.run('topup.card', { msisdn: u, serial: card.serial, cardPin: card.pin })),
      );
      expect(results.filter((r) => r.ok)).to.have.length(1);
      const balances = await Promise.all(users.map((u) => walletBalance(h, u)));
      expect(balances.reduce((a, b) => a + b, 0n)).to.equal(2_000n);
    });
  });

  describe('counter and bank top-up', () => {
    it('topup.counter – when the same reference comes twice – credits once and answers the same', async () => {
      const user = await h.openWallet(newMsisdn());
      const reference = `bank-${randomUUID()}`;
      const input = { msisdn: user, amount: '3000', reference };
      const first = await h.run('topup.counter', input, `topup:${reference}`);
      const second = await h.run('topup.counter', input, `topup:${reference}`);
      expect(second).to.deep.equal(first);
      expect(await walletBalance(h, user)).to.equal(3_000n);
    });

    it('topup.counter – when the reference repeats with another amount – refuses as a conflict', async () => {
      const user = await h.openWallet(newMsisdn());
      const reference = `bank-${randomUUID()}`;
      await h.run('topup.counter', { msisdn: user, amount: '3000', reference }, `topup:${reference}`);
      const other = await h.run(
        'topup.counter',
        { msisdn: user, amount: '9000', reference },
        `topup:${reference}`,
      );
      expect(!other.ok && other.error.code).to.equal('idempotency_conflict');
      expect(await walletBalance(h, user)).to.equal(3_000n);
    });

    it('topup.counter – for a phone with no wallet – refuses not_a_user', async () => {
      const result = await h.run('topup.counter', {
        msisdn: newMsisdn(),
        amount: '100',
        reference: randomUUID(),
      });
      expect(!result.ok && result.error.code).to.equal('not_a_user');
    });
  });

  describe('payment to a merchant', () => {
    it('payment – with enough money and the right PIN – moves the amount, notifies the payer in Chinese', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const result = await h.run('payment', { msisdn: user, merchant, amount: '1250', pin: TEST_PIN });
      expect(result.ok && result.value.balance).to.equal('8750');
      expect(await walletBalance(h, user)).to.equal(8_750n);
      const texts = await textsFor(h, user);
      expect(texts.at(-1)).to.equal('您已向便利店支付¥12.50,余额¥87.50。');
    });

    it('payment – when the balance is short by one fen – refuses insufficient_funds and changes nothing', async () => {
      const user = await h.openWallet(newMsisdn(), 1_000n);
      const before = await ledgerSnapshot(h);
      const result = await h.run('payment', { msisdn: user, merchant, amount: '1001', pin: TEST_PIN });
      expect(!result.ok && result.error.code).to.equal('insufficient_funds');
      expect(await ledgerSnapshot(h)).to.equal(before);
    });

    it('payment – to an unknown merchant – refuses merchant_not_found', async () => {
      const user = await h.openWallet(newMsisdn(), 1_000n);
      const result = await h.run('payment', { msisdn: user, merchant: 'nope', amount: '100', pin: TEST_PIN });
      expect(!result.ok && result.error.code).to.equal('merchant_not_found');
    });

    it('payment – with a malformed amount – refuses invalid and changes nothing', async () => {
      const user = await h.openWallet(newMsisdn(), 1_000n);
      const before = await ledgerSnapshot(h);
      for (const amount of ['12.5', '-5', '0', 'abc', '1e3']) {
        const result = await h.run('payment', { msisdn: user, merchant, amount, pin: TEST_PIN });
        expect(!result.ok && result.error.code, amount).to.equal('invalid');
      }
      expect(await ledgerSnapshot(h)).to.equal(before);
    });
  });

  describe('wallet-to-wallet transfer', () => {
    it('transfer – between two wallets – moves the money and tells both, in any MSISDN form', async () => {
      const a = await h.openWallet(newMsisdn(), 5_000n);
      const b = await h.openWallet(newMsisdn());
      const result = await h.run('transfer', {
        msisdn: `+${a}`,
        to: b.slice(2),
        amount: '500',
        pin: TEST_PIN,
      });
      expect(result).to.deep.include({ ok: true });
      expect(await walletBalance(h, a)).to.equal(4_500n);
      expect(await walletBalance(h, b)).to.equal(500n);
      expect((await textsFor(h, b)).at(-1)).to.contain('¥5.00');
    });

    it('transfer – to a phone with no wallet or to oneself – refuses and moves nothing', async () => {
      const a = await h.openWallet(newMsisdn(), 5_000n);
      const before = await ledgerSnapshot(h);
      const nobody = await h.run('transfer', { msisdn: a, to: newMsisdn(), amount: '100', pin: TEST_PIN });
      const self = await h.run('transfer', { msisdn: a, to: a, amount: '100', pin: TEST_PIN });
      expect(!nobody.ok && nobody.error.code).to.equal('payee_not_found');
      expect(!self.ok && self.error.code).to.equal('same_account');
      expect(await ledgerSnapshot(h)).to.equal(before);
    });
  });

  describe('refund', () => {
    it('refund – partial then the rest – never more than was paid', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const paid = await h.run('payment', { msisdn: user, merchant, amount: '3000', pin: TEST_PIN });
      const paymentId = String(paid.ok && paid.value.transferId);
      const part = await h.run('refund', { merchant, paymentId, amount: '1000', reason: 'one item back' });
      expect(part.ok && part.value.refunded).to.equal('1000');
      const tooMuch = await h.run('refund', { merchant, paymentId, amount: '2001', reason: 'too much' });
      expect(!tooMuch.ok && tooMuch.error.code).to.equal('refund_too_large');
      const rest = await h.run('refund', { merchant, paymentId, reason: 'the rest' });
      expect(rest.ok && rest.value.amount).to.equal('2000');
      const none = await h.run('refund', { merchant, paymentId, reason: 'again' });
      expect(!none.ok && none.error.code).to.equal('refund_too_large');
      expect(await walletBalance(h, user)).to.equal(10_000n);
    });

    it('refund – of another merchant’s payment – refuses not_a_payment', async () => {
      const other = `o${randomUUID().slice(0, 6)}`;
      await h.merchant(other);
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const paid = await h.run('payment', { msisdn: user, merchant, amount: '100', pin: TEST_PIN });
      const result = await h.run('refund', {
        merchant: other,
        paymentId: String(paid.ok && paid.value.transferId),
        reason: 'x',
      });
      expect(!result.ok && result.error.code).to.equal('not_a_payment');
    });
  });

  describe('reversal', () => {
    it('reverse – a payment of today – restores both sides in full, once', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const paid = await h.run('payment', { msisdn: user, merchant, amount: '4000', pin: TEST_PIN });
      const paymentId = String(paid.ok && paid.value.transferId);
      const reversed = await h.run('reverse', { merchant, paymentId });
      expect(reversed).to.deep.include({ ok: true });
      expect(await walletBalance(h, user)).to.equal(10_000n);
      const twice = await h.run('reverse', { merchant, paymentId });
      expect(!twice.ok && twice.error.code).to.equal('already_reversed');
      const refundAfter = await h.run('refund', { merchant, paymentId, reason: 'x' });
      expect(!refundAfter.ok && refundAfter.error.code).to.equal('already_reversed');
    });

    it('reverse – a payment already partly refunded – refuses reversal_after_refund', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const paid = await h.run('payment', { msisdn: user, merchant, amount: '4000', pin: TEST_PIN });
      const paymentId = String(paid.ok && paid.value.transferId);
      await h.run('refund', { merchant, paymentId, amount: '1', reason: 'x' });
      const result = await h.run('reverse', { merchant, paymentId });
      expect(!result.ok && result.error.code).to.equal('reversal_after_refund');
    });
  });

  describe('prize payout', () => {
    it('payout – from a merchant with money – credits the user; without money – refuses', async () => {
      const user = await h.openWallet(newMsisdn(), 2_000n);
      const poor = `p${randomUUID().slice(0, 6)}`;
      await h.merchant(poor);
      const refused = await h.run('payout', {
        merchant: poor,
        msisdn: user,
        amount: '100',
        reference: 'prize-1',
      });
      expect(!refused.ok && refused.error.code).to.equal('insufficient_funds');
      await h.run('payment', { msisdn: user, merchant: poor, amount: '2000', pin: TEST_PIN });
      const paid = await h.run('payout', {
        merchant: poor,
        msisdn: user,
        amount: '1500',
        reference: 'prize-2',
      });
      expect(paid).to.deep.include({ ok: true });
      expect(await walletBalance(h, user)).to.equal(1_500n);
    });
  });

  describe('merchant payment requests (holds)', () => {
    it('payment.request then confirm – holds the money, then posts it', async () => {
      const user = await h.openWallet(newMsisdn(), 5_000n);
      const req = await h.run('payment.request', {
        merchant,
        msisdn: user,
        amount: '3000',
        reference: randomUUID(),
      });
      const holdId = String(req.ok && req.value.holdId);
      // Held money cannot be spent elsewhere meanwhile.
      const meanwhile = await h.run('payment', { msisdn: user, merchant, amount: '2500', pin: TEST_PIN });
      expect(!meanwhile.ok && meanwhile.error.code).to.equal('insufficient_funds');
      const confirmed = await h.run('payment.confirm', { msisdn: user, holdId, pin: TEST_PIN });
      expect(confirmed.ok && confirmed.value.status).to.equal('posted');
      expect(await walletBalance(h, user)).to.equal(2_000n);
      const again = await h.run('payment.confirm', { msisdn: user, holdId, pin: TEST_PIN });
      expect(!again.ok && again.error.code).to.equal('hold_not_pending');
    });

    it('payment.request then decline – frees the money and moves nothing', async () => {
      const user = await h.openWallet(newMsisdn(), 5_000n);
      const req = await h.run('payment.request', {
        merchant,
        msisdn: user,
        amount: '3000',
        reference: randomUUID(),
      });
      const holdId = String(req.ok && req.value.holdId);
      expect(
        (
          await h
            .db('accounts')
            .where({ code: `wallet:${user}` })
            .first('held')
        ).held,
      ).to.equal(3_000n);
      const declined = await h.run('payment.decline', { msisdn: user, holdId });
      expect(declined.ok && declined.value.status).to.equal('voided');
      expect(
        (
          await h
            .db('accounts')
            .where({ code: `wallet:${user}` })
            .first('held')
        ).held,
      ).to.equal(0n);
      expect(await walletBalance(h, user)).to.equal(5_000n);
    });

    const request = (msisdn: string, amount = '500') =>
      h.run('payment.request', { merchant, msisdn, amount, reference: randomUUID() });
    /** The wallet's holds in PostgreSQL, oldest first. */
    const holdsOf = (msisdn: string) =>
      h
        .db('transfers as t')
        .join('accounts as a', 'a.id', 't.debit_account_id')
        .where({ 'a.code': `wallet:${msisdn}`, 't.kind': 'hold' })
        .orderBy('t.id')
        .select('t.id', 't.status', 't.request_no', 't.amount');
    const heldOf = async (msisdn: string) =>
      (
        await h
          .db('accounts')
          .where({ code: `wallet:${msisdn}` })
          .first('held')
      ).held;

    it('payment.request – when three are pending – refuses the fourth as too_many_requests', async () => {
      const user = await h.openWallet(newMsisdn(), 5_000n);
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await request(user));
      expect(results.slice(0, 3).map((r) => r.ok && r.value.requestNo)).to.deep.equal([1, 2, 3]);
      expect(results[3]).to.deep.equal({
        ok: false,
        error: { code: 'too_many_requests', message: 'this wallet already has 3 payment requests waiting' },
      });
      const holds = await holdsOf(user);
      expect(holds.map((t) => [t.status, t.request_no])).to.deep.equal([
        ['pending', 1],
        ['pending', 2],
        ['pending', 3],
      ]);
      expect(await heldOf(user)).to.equal(1_500n);
    });

    it('payment.request – when request 2 of three was declined – numbers the next 2 and still refuses a fifth', async () => {
      const user = await h.openWallet(newMsisdn(), 5_000n);
      const ids = [];
      for (let i = 0; i < 3; i++) {
        const r = await request(user);
        ids.push(String(r.ok && r.value.holdId));
      }
      const declined = await h.run('payment.decline', { msisdn: user, holdId: ids[1] });
      expect(declined.ok).to.equal(true);
      const next = await request(user, '700');
      expect(next.ok && next.value.requestNo).to.equal(2);
      const fifth = await request(user);
      expect(!fifth.ok && fifth.error.code).to.equal('too_many_requests');
      const holds = await holdsOf(user);
      expect(holds.map((t) => [t.status, t.request_no, t.amount])).to.deep.equal([
        ['pending', 1, 500n],
        ['voided', 2, 500n],
        ['pending', 3, 500n],
        ['pending', 2, 700n],
      ]);
    });

    it('payment.request – its SMS – names merchant, amount and number, and how to answer', async () => {
      const user = await h.openWallet(newMsisdn(), 5_000n);
      await request(user);
      await request(user, '1250');
      const texts = await textsFor(h, user);
      expect(texts.slice(-2)).to.deep.equal([
        '便利店请求您支付¥5.00(编号1),已为您冻结该金额,请回复支付密码确认,回复QX取消。',
        '便利店请求您支付¥12.50(编号2),已为您冻结该金额。您有2笔支付请求待确认,确认本笔请回复“2 支付密码”,取消请回复“QX 2”。',
      ]);
    });

    for (const [how, send] of [
      ['in one envelope (sendMany)', (commands: Command[]) => h.bus.sendMany(commands)],
      ['concurrently', (commands: Command[]) => Promise.all(commands.map((c) => h.bus.execute(c)))],
    ] as const) {
      it(`payment.request – when four for one wallet arrive ${how} – holds exactly three and refuses one as too_many_requests`, async () => {
        const user = await h.openWallet(newMsisdn(), 5_000n);
        const commands: Command<'payment.request'>[] = Array.from({ length: 4 }, () => ({
          key: randomUUID(),
          type: 'payment.request',
          input: { merchant, msisdn: user, amount: '500', reference: randomUUID() },
        }));
        await send(commands);
        // Every command's result is stored with its effect: once all four are stored, nothing more comes.
        const stored = async () => [
          ...(
            await storedResults(
              h.db,
              commands.map((c) => c.key),
            )
          ).values(),
        ];
        await waitFor(async () => (await stored()).length === 4);
        const results = (await stored()).map((r) => r.result as CommandResult);
        expect(results.filter((r) => r.ok)).to.have.length(3);
        expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).to.deep.equal([
          'too_many_requests',
        ]);
        const holds = await holdsOf(user);
        expect(holds.map((t) => t.request_no).sort()).to.deep.equal([1, 2, 3]);
        expect(await heldOf(user)).to.equal(1_500n);
      });
    }

    it('payment.request – beyond the balance – refuses insufficient_funds', async () => {
      const user = await h.openWallet(newMsisdn(), 100n);
      const req = await h.run('payment.request', {
        merchant,
        msisdn: user,
        amount: '101',
        reference: randomUUID(),
      });
      expect(!req.ok && req.error.code).to.equal('insufficient_funds');
    });
  });
});

/**
 * Keyed PINs, locks before checks, card lockouts, the SMS each lock sends, stored early refusals, the
 * claim of a command row, late refusals by SMS, and the posting day of a confirmed request (INTERFACES
 * §9, §3, §8). Each harness here has a PIN key of its own, so its keyring counts only its own checks.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { storedResults } from '../../../src/ledger/command-store.js';
import { expect } from 'chai';
import type { Command } from '../../../src/commands/catalog.js';
import { fingerprintOf } from '../../../src/commands/fingerprint.js';
import { createKeyring, keyringOf } from '../../../src/lib/keyring.js';
import { hashSecret } from '../../../src/lib/secrets.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { outboxTexts, waitFor, walletBalance } from '../../helpers/ledger.js';

const WRONG = '246813';
const newKey = () => randomBytes(32).toString('hex');

describe('secrets and abuse limits (real queue and ledger)', () => {
  let h: Harness;
  const merchant = `s${randomUUID().slice(0, 6)}`;
  const keys = () => keyringOf(h.config);
  const reasons = async (msisdn: string) =>
    (await h.db('outbox').where({ msisdn }).orderBy('id').select('reason')).map((r) => r.reason);

  before(async () => {
    h = await createHarness({ pinKey: newKey(), locale: 'en' });
    await h.merchant(merchant, 'Key Shop');
  });
  after(() => h.close());

  describe('payment PINs', () => {
    it('a wallet – stores its PIN as a keyed value naming the key, and pays with it', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      const { pin_hash } = await h.db('users').where({ msisdn }).first('pin_hash');
      expect(pin_hash).to.equal(keys().pinValue(msisdn, TEST_PIN));
      expect(pin_hash).to.match(new RegExp(`^pvv1\\$${keys().keyId}\\$[0-9a-f]{64}$`));
      expect(await h.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN })).to.deep.include({
        ok: true,
      });
    });

    it('a locked wallet – refuses the right PIN as pin_locked without verifying it', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      for (let i = 0; i < 3; i++) await h.run('payment', { msisdn, merchant, amount: '100', pin: WRONG });
      const before = keys().verifications;
      const paid = await h.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN });
      expect(paid.ok === false && paid.error.code).to.equal('pin_locked');
      expect(keys().verifications).to.equal(before);
      const changed = await h.run('pin.change', { msisdn, oldPin: TEST_PIN, newPin: '258036' });
      expect(changed.ok === false && changed.error.code).to.equal('pin_locked');
      expect(keys().verifications).to.equal(before);
    });

    it('the third wrong PIN – locks payments and tells the owner by SMS, though the payment is refused', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      const outcomes = [];
      for (let i = 0; i < 3; i++)
        outcomes.push(await h.run('transfer', { msisdn, to: msisdn, amount: '100', pin: WRONG }));
      expect(outcomes.map((o) => !o.ok && o.error.code)).to.deep.equal([
        'wrong_pin',
        'wrong_pin',
        'pin_locked',
      ]);
      const [lock] = await outboxTexts(h, (q) => q.where({ msisdn, reason: 'pin.locked' }));
      expect(lock.text).to.match(
        /^Too many wrong PINs: payments are locked until \d{4}-\d\d-\d\d \d\d:\d\d\.$/,
      );
    });

    it('a PIN of the wrong shape – empty, short, letters – is counted as a wrong one, and the third locks', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      const outcomes = [];
      for (const pin of ['', '12', 'abcdef'])
        outcomes.push(await h.run('transfer', { msisdn, to: msisdn, amount: '100', pin }));
      expect(outcomes.map((o) => !o.ok && o.error.code)).to.deep.equal([
        'wrong_pin',
        'wrong_pin',
        'pin_locked',
      ]);
      expect(await walletBalance(h, msisdn)).to.equal(1_000n);
    });

    it('a PIN stored as a scrypt hash (before keyed PINs) – verifies once and is rewritten as a keyed value', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      await h
        .db('users')
        .where({ msisdn })
        .update({ pin_hash: await hashSecret(TEST_PIN, { N: 1024, r: 8, p: 1 }) });
      const wrong = await h.run('payment', { msisdn, merchant, amount: '100', pin: WRONG });
      expect(wrong.ok === false && wrong.error.code).to.equal('wrong_pin');
      expect((await h.db('users').where({ msisdn }).first('pin_hash')).pin_hash).to.match(/^scrypt\$/);
      const paid = await h.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN });
      expect(paid.ok).to.equal(true);
      expect((await h.db('users').where({ msisdn }).first('pin_hash')).pin_hash).to.equal(
        keys().pinValue(msisdn, TEST_PIN),
      );
    });

    it('a PIN value under PIN_KEY_PREVIOUS – verifies, and a right PIN rewrites it under the current key', async () => {
      const previous = newKey();
      const rotated = await createHarness({ pinKey: newKey(), pinKeyPrevious: previous });
      try {
        await rotated.merchant(merchant, 'Key Shop');
        const msisdn = await rotated.openWallet(newMsisdn(), 1_000n);
        const old = createKeyring(previous).pinValue(msisdn, TEST_PIN);
        await rotated.db('users').where({ msisdn }).update({ pin_hash: old });
        const paid = await rotated.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN });
        expect(paid.ok).to.equal(true);
        const { pin_hash } = await rotated.db('users').where({ msisdn }).first('pin_hash');
        expect(pin_hash).to.equal(keyringOf(rotated.config).pinValue(msisdn, TEST_PIN));
        expect(pin_hash).not.to.equal(old);
      } finally {
        await rotated.close();
      }
    });

    it('a PIN value under a key the ring does not hold – never verifies', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      await h
        .db('users')
        .where({ msisdn })
        .update({ pin_hash: createKeyring(newKey()).pinValue(msisdn, TEST_PIN) });
      const paid = await h.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN });
      expect(paid.ok === false && paid.error.code).to.equal('wrong_pin');
    });
  });

  describe('recharge cards', () => {
    it('five wrong PINs on one card – lock it (told by SMS); the right PIN then is refused unchecked', async () => {
      const msisdn = await h.openWallet(newMsisdn());
      const [card] = await issueVouchers(h.db, keys(), 1, 2_000n);
      const codes = [];
      for (let i = 0; i < 5; i++) {
        const r = await h.run('topup.card', { msisdn, serial: card.serial, cardPin: WRONG });
        codes.push(!r.ok && r.error.code);
      }
      expect(codes).to.deep.equal([
        'voucher_invalid',
        'voucher_invalid',
        'voucher_invalid',
        'voucher_invalid',
        'voucher_locked',
      ]);
      const row = await h
        .db('vouchers')
        .where({ serial: card.serial })
        .first('pin_failures', 'locked_at', 'status');
      expect(row.pin_failures).to.equal(5);
      expect(row.locked_at).to.be.instanceOf(Date);
      const before = keys().verifications;
      const right = await h.run('topup.card', { msisdn, serial: card.serial, cardPin: card.pin });
      expect(right.ok === false && right.error.code).to.equal('voucher_locked');
      expect(keys().verifications).to.equal(before);
      expect((await h.db('vouchers').where({ serial: card.serial }).first('status')).status).to.equal(
        'issued',
      );
      const [sms] = await outboxTexts(h, (q) => q.where({ msisdn, reason: 'card.locked' }));
      expect(sms.text).to.equal(
        `The recharge card ending ${card.serial.slice(-4)} is locked after 5 wrong card PINs. If this was not you, call customer service.`,
      );
    });

    it('ten wrong card PINs from one number in a day, unknown serials included – lock its card top-ups (told by SMS)', async () => {
      const msisdn = await h.openWallet(newMsisdn());
      const [card] = await issueVouchers(h.db, keys(), 1, 2_000n);
      const codes = [];
      for (let i = 0; i < 10; i++) {
        const serial = i % 2 === 0 ? `86${String(i).padStart(14, '7')}` : card.serial; // unknown ones too
        const r = await h.run('topup.card', { msisdn, serial, cardPin: `13579${i}` });
        codes.push(!r.ok && r.error.code);
      }
      expect(codes.slice(0, 9)).to.deep.equal(Array(9).fill('voucher_invalid'));
      expect(codes[9]).to.equal('card_topups_locked');
      const user = await h.db('users').where({ msisdn }).first('card_failures', 'card_locked_until');
      expect(user.card_failures).to.equal(10);
      expect(user.card_locked_until.getTime()).to.be.greaterThan(Date.now());
      // Locked: even the right PIN of a good card is refused, and not checked.
      const before = keys().verifications;
      const [good] = await issueVouchers(h.db, keys(), 1, 2_000n);
      const right = await h.run('topup.card', { msisdn, serial: good.serial, cardPin: good.pin });
      expect(right.ok === false && right.error.code).to.equal('card_topups_locked');
      expect(keys().verifications).to.equal(before);
      expect(await reasons(msisdn)).to.include('card.topups.locked');
    });

    it('a card PIN – is stored as a keyed value of the serial and the PIN, and tops up once', async () => {
      const msisdn = await h.openWallet(newMsisdn());
      const [card] = await issueVouchers(h.db, keys(), 1, 2_000n);
      const { pin_hash } = await h.db('vouchers').where({ serial: card.serial }).first('pin_hash');
      expect(pin_hash).to.equal(keys().cardPinValue(card.serial, card.pin));
      const r = await h.run('topup.card', { msisdn, serial: card.serial, cardPin: card.pin });
      expect(r.ok && r.value.amount).to.equal('2000');
    });
  });

  describe('idempotency', () => {
    it('a command that does not parse – is refused and stored: the same key with other content is a conflict', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      const key = randomUUID();
      const bad = await h.run('payment', { msisdn, merchant, amount: '1.5', pin: TEST_PIN }, key);
      expect(bad.ok === false && bad.error.code).to.equal('invalid');
      const stored = (await storedResults(h.db, [key])).get(key);
      expect(stored?.result).to.deep.equal(bad);
      const retried = await h.run('payment', { msisdn, merchant, amount: '150', pin: TEST_PIN }, key);
      expect(retried.ok === false && retried.error.code).to.equal('idempotency_conflict');
      expect(await h.db('transfers').where({ command_key: key }).count('* as n')).to.deep.equal([{ n: 0n }]);
    });

    it('a refusal before the transaction (a weak new PIN) – is stored: the same key is answered with it', async () => {
      const msisdn = await h.openWallet(newMsisdn());
      const key = randomUUID();
      const weak = await h.run('pin.change', { msisdn, oldPin: TEST_PIN, newPin: '111111' }, key);
      expect(weak.ok === false && weak.error.code).to.equal('pin_format');
      // The same key with a good PIN gets the first outcome, not a second chance.
      const again = await h.run('pin.change', { msisdn, oldPin: TEST_PIN, newPin: '258036' }, key);
      expect(again).to.deep.equal(weak);
      const other = await h.run(
        'pin.change',
        { msisdn: newMsisdn(), oldPin: TEST_PIN, newPin: '258036' },
        key,
      );
      expect(other.ok === false && other.error.code).to.equal('idempotency_conflict');
      expect((await h.db('users').where({ msisdn }).first('pin_hash')).pin_hash).to.equal(
        keys().pinValue(msisdn, TEST_PIN),
      );
    });

    it('a key another transaction has claimed – waits for it and answers its result, and the rest of the batch commits together', async () => {
      const payer = await h.openWallet(newMsisdn(), 10_000n);
      const commands: Command[] = ['x', 'y', 'z'].map(() => ({
        key: randomUUID(),
        type: 'payment',
        input: { msisdn: payer, merchant, amount: '100', pin: TEST_PIN },
      }));
      const first = { ok: true, value: { by: 'the other batch' } };
      const other = await h.db.transaction();
      try {
        await other('commands').insert({
          key: commands[0].key,
          type: 'payment',
          payload_hash: fingerprintOf(keys(), commands[0]),
        });
        const running = Promise.all(commands.map((c) => h.runner.run(c)));
        // The batch's claim waits on the other transaction's row.
        await waitFor(async () => {
          const { rows } = await h.db.raw(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO commands (key%'",
          );
          return rows[0].n > 0;
        });
        await other('commands')
          .where({ key: commands[0].key })
          .update({ result: JSON.stringify(first) });
        await other.commit();
        const results = await running;
        expect(results[0]).to.deep.equal(first);
        expect(results.slice(1).map((r) => r.ok)).to.deep.equal([true, true]);
      } finally {
        if (!other.isCompleted()) await other.rollback();
      }
      const transfers = await h
        .db('transfers')
        .whereIn(
          'command_key',
          commands.map((c) => c.key),
        )
        .select('command_key', h.db.raw('xmin::text AS xmin'));
      expect(transfers.map((t) => t.command_key).sort()).to.deep.equal(
        [commands[1].key, commands[2].key].sort(),
      );
      // One transaction: the batch was not aborted and retried command by command.
      expect(new Set(transfers.map((t) => t.xmin)).size).to.equal(1);
    });
  });

  describe('a refusal after the channel stopped waiting', () => {
    it('comes by SMS; one decided well before the deadline does not', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      const late = await h.runner.run({
        key: randomUUID(),
        type: 'payment',
        input: { msisdn, merchant, amount: '900000', pin: TEST_PIN, replyBy: Date.now() - 1 },
      } as Command);
      expect(late.ok === false && late.error.code).to.equal('limit_per_payment');
      const early = await h.runner.run({
        key: randomUUID(),
        type: 'payment',
        input: { msisdn, merchant, amount: '800', pin: WRONG, replyBy: Date.now() + 60_000 },
      } as Command);
      expect(early.ok === false && early.error.code).to.equal('wrong_pin');
      const rows = await outboxTexts(h, (q) => q.where({ msisdn }).where('reason', 'like', 'refused.%'), [
        'reason',
      ]);
      expect(rows).to.deep.equal([
        {
          reason: 'refused.limit_per_payment',
          text: 'Over your limit of ¥500.00 per payment. Nothing was paid.',
        },
      ]);
    });

    it('through the bus – a deadline that passes answers pending, and the wrong PIN then comes by SMS', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 1_000n);
      const key = randomUUID();
      const command: Command = {
        key,
        type: 'payment',
        input: { msisdn, merchant, amount: '100', pin: WRONG },
      };
      const answer = await h.bus.execute(command, 1, { smsIfLate: true });
      expect(answer.ok === false && answer.error.code).to.equal('pending');
      await waitFor(async () => Boolean((await storedResults(h.db, [key])).get(key)?.result));
      const rows = await outboxTexts(h, (q) => q.where({ msisdn, command_key: key }), ['reason']);
      expect(rows).to.deep.equal([{ reason: 'refused.wrong_pin', text: 'Wrong PIN. 2 attempt(s) left.' }]);
    });
  });
});

describe('business days of money moved (a clock of its own)', () => {
  let h: Harness;
  let now = new Date('2026-11-30T15:50:00Z'); // 23:50 China time
  const merchant = `d${randomUUID().slice(0, 6)}`;

  before(async () => {
    h = await createHarness({ locale: 'en', holdTtlMinutes: 60 }, { clock: () => now });
    await h.merchant(merchant, 'Night Shop');
  });
  after(() => h.close());

  it('reverse – a request held before midnight and paid after it (China time) – reverses on the day it was paid', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 5_000n);
    const requested = await h.run('payment.request', {
      merchant,
      msisdn,
      amount: '1200',
      reference: randomUUID(),
    });
    const holdId = requested.ok && String(requested.value.holdId);
    now = new Date('2026-11-30T16:10:00Z'); // 00:10 the next day, China time
    const paid = await h.run('payment.confirm', { msisdn, holdId: String(holdId), pin: TEST_PIN });
    expect(paid.ok).to.equal(true);
    const reversed = await h.run('reverse', { merchant, paymentId: String(holdId) });
    expect(reversed.ok, JSON.stringify(reversed)).to.equal(true);
    const row = await h.db('transfers').where({ id: holdId }).first('posted_at', 'created_at');
    expect(row.posted_at.toISOString()).to.equal('2026-11-30T16:10:00.000Z');
  });

  it('account.freeze – for 7 days – tells the China-time date it unfreezes', async () => {
    now = new Date('2026-12-01T20:00:00Z'); // 04:00 on 2 December, China time
    const msisdn = await h.openWallet(newMsisdn());
    await h.run('account.freeze', { msisdn, days: 7 });
    const [sms] = await outboxTexts(h, (q) => q.where({ msisdn, reason: 'frozen.until' }));
    expect(sms.text).to.equal('Your wallet is frozen until 2026-12-09, when it unfreezes by itself.');
  });
});

describe('pin.unlock (operator)', () => {
  let h: Harness;
  const merchant = `u${randomUUID().slice(0, 6)}`;
  before(async () => {
    h = await createHarness({ locale: 'en' });
    await h.merchant(merchant);
  });
  after(() => h.close());

  it('a locked wallet – is unlocked, told by SMS, and pays with its PIN again; an unlocked one is refused not_locked', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 1_000n);
    for (let i = 0; i < 3; i++) await h.run('payment', { msisdn, merchant, amount: '100', pin: WRONG });
    const unlocked = await h.run('pin.unlock', { msisdn, reason: 'owner called, identity checked' });
    expect(unlocked).to.deep.equal({ ok: true, value: { msisdn, status: 'unlocked' } });
    const [sms] = await outboxTexts(h, (q) => q.where({ msisdn, reason: 'pin.unlocked' }));
    expect(sms.text).to.equal('Your payment PIN is unlocked: payments work again.');
    expect((await h.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN })).ok).to.equal(true);
    const again = await h.run('pin.unlock', { msisdn, reason: 'again' });
    expect(again.ok === false && again.error.code).to.equal('not_locked');
  });
});

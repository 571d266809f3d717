/**
 * Every menu journey end to end: USSD-style steps through the session runner (snapshots in Redis), the
 * commands on the real BullMQ queue, the real ledger in PostgreSQL. Each session starts the way a channel
 * does: from the caller's profile and pending payment request, read from the ledger.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { FlowInput, Screen } from '../../../flows/index.js';
import { pendingPaymentRequest, userProfile } from '../../../src/ledger/user-profile.js';
import { walletCode } from '../../../src/ledger/codes.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { businessDay } from '../../../src/lib/time.js';
import {
  createSessionRunner,
  type SessionRunner,
  type SessionStart,
  sessionKey,
} from '../../../src/sessions/index.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { expectBalanced, ledgerSnapshot, textsFor, walletBalance } from '../../helpers/ledger.js';

const say = (text: string): FlowInput => ({ type: 'TEXT', text });
const shown = (screen: Screen) => (screen.kind === 'menu' ? screen.title : screen.text);
const WRONG_PIN = '246813';
const NEW_PIN = '582047';

describe('menu journeys (real queue and ledger)', () => {
  let h: Harness;
  let runner: SessionRunner;
  const merchant = `j${randomUUID().slice(0, 6)}`;

  const newRunner = () =>
    createSessionRunner({
      redis: h.redis,
      prefix: h.config.redisPrefix,
      keys: keyringOf(h.config),
      bus: h.bus,
      commandTimeoutMs: 15_000,
    });

  before(async () => {
    h = await createHarness();
    await h.merchant(merchant, 'Corner Shop');
    runner = newRunner();
  });
  after(async () => {
    await expectBalanced(h);
    await h.close();
  });

  /** What a channel knows before the first screen: the profile and the waiting request, from the ledger. */
  async function startFor(msisdn: string): Promise<SessionStart> {
    const [profile, request] = await Promise.all([
      userProfile(h.db, msisdn),
      pendingPaymentRequest(h.db, msisdn),
    ]);
    return {
      flow: 'menu',
      msisdn,
      locale: profile.locale ?? 'zh-CN',
      registered: profile.registered,
      ...(request ? { request } : {}),
    };
  }

  /** Dials (the first step starts the session) and answers; one screen per step. */
  async function dial(msisdn: string, inputs: string[], r = runner, sessionId = randomUUID()) {
    const screens = [await r.step('ussd', sessionId, await startFor(msisdn), say(''))];
    for (const input of inputs) {
      screens.push(
        await r.step('ussd', sessionId, null, input === 'TIMEOUT' ? { type: 'TIMEOUT' } : say(input)),
      );
    }
    return { screens, last: screens[screens.length - 1], sessionId };
  }

  /** An English-speaking user with a wallet holding `fen`. */
  async function user(fen = 0n): Promise<string> {
    const msisdn = await h.openWallet(newMsisdn(), fen);
    await h.run('account.locale', { msisdn, locale: 'en' });
    return msisdn;
  }

  const accountStatus = async (msisdn: string) =>
    (
      await h
        .db('accounts')
        .where({ code: walletCode(msisdn) })
        .first('status')
    )?.status;

  describe('top up', () => {
    it('top up – when 2, a real card and its PIN – credits the card amount once and confirms by SMS', async () => {
      const msisdn = await user(1_000n);
      const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 5_000n);
      const { screens, last } = await dial(msisdn, ['2', card.serial, card.pin]);
      expect(shown(screens[1])).to.equal('Enter the recharge card number:');
      expect(screens[2]).to.deep.include({
        kind: 'prompt',
        input: { minLength: 4, maxLength: 12, digitsOnly: true, hidden: true },
      });
      expect(last).to.deep.equal({
        kind: 'message',
        text: 'You topped up ¥50.00. Balance ¥60.00.',
        final: true,
      });
      expect(await walletBalance(h, msisdn)).to.equal(6_000n);
      expect(await textsFor(h, msisdn)).to.include('You topped up ¥50.00. Balance ¥60.00.');

      const again = await dial(msisdn, ['2', card.serial, card.pin]);
      expect(shown(again.last)).to.equal('This card has already been used.');
      expect(await walletBalance(h, msisdn)).to.equal(6_000n);
    });

    it('top up – when the card number is malformed, then the card PIN is wrong – re-asks, then refuses and moves nothing', async () => {
      const msisdn = await user();
      const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 5_000n);
      const wrong = card.pin === '000000' ? '111111' : '000000';
      const { screens, last } = await dial(msisdn, ['2', '12-34', card.serial, wrong]);
      expect(shown(screens[2])).to.equal('A card number has 8-20 digits. Enter it again:');
      expect(shown(last)).to.equal('Wrong card number or card PIN. Please check the card.');
      expect(await walletBalance(h, msisdn)).to.equal(0n);
    });
  });

  describe('change PIN', () => {
    it('change PIN – when 6, 1, old, new, new – changes it: the new PIN pays, the old one is wrong', async () => {
      const msisdn = await user(10_000n);
      const { screens, last } = await dial(msisdn, ['6', '1', TEST_PIN, NEW_PIN, NEW_PIN]);
      expect(shown(screens[1])).to.equal('My account');
      expect(last).to.deep.equal({ kind: 'message', text: 'Your payment PIN is changed.', final: true });
      expect(await textsFor(h, msisdn)).to.include(
        'Your payment PIN was changed. If this was not you, call customer service now.',
      );

      const paid = await dial(msisdn, ['3', merchant, '12.5', NEW_PIN]);
      expect(shown(paid.last)).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
      const old = await dial(msisdn, ['3', merchant, '1', TEST_PIN]);
      expect(shown(old.last)).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
      expect(await walletBalance(h, msisdn)).to.equal(8_750n);
    });

    it('change PIN – when the current PIN is wrong – asks it again in the session, then changes', async () => {
      const msisdn = await user();
      const { screens, last } = await dial(msisdn, ['6', '1', WRONG_PIN, NEW_PIN, NEW_PIN, TEST_PIN]);
      expect(shown(screens[5])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
      expect(shown(last)).to.equal('Your payment PIN is changed.');
      const row = await h.db('users').where({ msisdn }).first('pin_failures');
      expect(row.pin_failures).to.equal(0);
    });
  });

  describe('freeze and unfreeze', () => {
    it('freeze – then a payment is refused as frozen – then unfreeze with the PIN – then it pays', async () => {
      const msisdn = await user(10_000n);
      const frozen = await dial(msisdn, ['6', '2', '', '1']);
      expect(shown(frozen.screens[3])).to.equal(
        'Freeze your wallet until you unfreeze it? No transactions meanwhile.',
      );
      expect(shown(frozen.last)).to.equal('Your wallet is frozen. To unfreeze: My account, Unfreeze.');
      expect(await accountStatus(msisdn)).to.equal('frozen');

      const refused = await dial(msisdn, ['3', merchant, '12.5', TEST_PIN]);
      expect(shown(refused.last)).to.equal('Your wallet is frozen.');
      expect(await walletBalance(h, msisdn)).to.equal(10_000n);

      const unfrozen = await dial(msisdn, ['6', '3', WRONG_PIN, TEST_PIN]);
      expect(shown(unfrozen.screens[3])).to.equal(
        'Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:',
      );
      expect(shown(unfrozen.last)).to.equal('Your wallet is unfrozen and ready to use.');
      expect(await accountStatus(msisdn)).to.equal('active');

      const paid = await dial(msisdn, ['3', merchant, '12.5', TEST_PIN]);
      expect(shown(paid.last)).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    });

    it('freeze – for 7 days – sets the date it unfreezes by itself; unfreeze when not frozen says so', async () => {
      const msisdn = await user();
      const notFrozen = await dial(msisdn, ['6', '3', TEST_PIN]);
      expect(shown(notFrozen.last)).to.equal('Your wallet is not frozen.');
      const { last } = await dial(msisdn, ['6', '2', '7', '1']);
      const row = await h
        .db('accounts')
        .where({ code: walletCode(msisdn) })
        .first('frozen_until');
      const date = businessDay(new Date(row.frozen_until)); // the China-time date
      expect(shown(last)).to.equal(`Your wallet is frozen until ${date}, when it unfreezes by itself.`);
      const days = (new Date(row.frozen_until).getTime() - Date.now()) / 86_400_000;
      expect(days).to.be.within(6.9, 7.01);
    });
  });

  describe('close', () => {
    it('close – refused while money is in it – allowed once it is transferred away', async () => {
      const msisdn = await user(1_000n);
      const other = await user();
      const refused = await dial(msisdn, ['6', '4', '1']);
      expect(shown(refused.last)).to.equal(
        'Your wallet still holds money. To close it, first transfer the money to another wallet or spend it on a payment, then close it.',
      );
      expect(await accountStatus(msisdn)).to.equal('active');

      const emptied = await dial(msisdn, ['4', other.slice(2), '10', TEST_PIN]);
      expect(shown(emptied.last)).to.equal(`You sent ¥10.00 to ${other.slice(2)}. Balance ¥0.00.`);
      const closed = await dial(msisdn, ['6', '4', '1']);
      expect(closed.last).to.deep.equal({
        kind: 'message',
        text: 'Your wallet is closed. Thank you for using it.',
        final: true,
      });
      expect(await accountStatus(msisdn)).to.equal('closed');
      // The next call is from a number with no wallet: the offer to open one.
      const next = await dial(msisdn, []);
      expect(next.last).to.deep.include({ kind: 'menu', title: 'Mobile wallet (not opened yet)' });
    });

    it('close – when 2 (cancel) – leaves the wallet open', async () => {
      const msisdn = await user();
      const { last } = await dial(msisdn, ['6', '4', '2']);
      expect(shown(last)).to.equal('Cancelled. Nothing was changed.');
      expect(await accountStatus(msisdn)).to.equal('active');
    });
  });

  describe('open a wallet', () => {
    it('open – a new number, when 1 then 1 (accept) – opens the wallet and sends the initial passwords by SMS', async () => {
      const msisdn = newMsisdn();
      const { screens, last } = await dial(msisdn, ['1', '1']);
      expect(screens[0]).to.deep.equal({
        kind: 'menu',
        title: '手机钱包(未开通)',
        options: [
          { id: '1', label: '开通钱包' },
          { id: '0', label: '退出' },
        ],
      });
      expect(shown(screens[1])).to.match(/^开通即同意用户协议/);
      expect(shown(last)).to.equal('钱包已开通。初始登录密码和支付密码将以短信发送给您,请尽快修改支付密码。');
      expect(await accountStatus(msisdn)).to.equal('active');
      const profile = await userProfile(h.db, msisdn);
      expect(profile).to.include({ registered: true, locale: 'zh-CN' });
      const sms = await h.db('outbox').where({ msisdn }).select('reason');
      expect(sms.map((r) => r.reason)).to.include('opened');
      // The passwords never reach the screen.
      expect(JSON.stringify(screens)).not.to.match(/\d{6}/);
    });

    it('open – a new number, when 1 then 2 (decline) – opens nothing', async () => {
      const msisdn = newMsisdn();
      const { last } = await dial(msisdn, ['1', '2']);
      expect(shown(last)).to.equal('您未开通钱包。如需开通,欢迎随时再来。');
      expect(await accountStatus(msisdn)).to.equal(undefined);
      expect(await textsFor(h, msisdn)).to.deep.equal([]);
    });
  });

  describe('payment requests', () => {
    async function requested(msisdn: string, amount = '1250') {
      const result = await h.run('payment.request', { merchant, msisdn, amount, reference: randomUUID() });
      expect(result.ok, JSON.stringify(result)).to.equal(true);
    }

    it('payment request – when the session opens on it, 1 and the PIN – posts the hold to the merchant', async () => {
      const msisdn = await user(10_000n);
      await requested(msisdn);
      const { screens, last } = await dial(msisdn, ['1', WRONG_PIN, TEST_PIN]);
      expect(screens[0]).to.deep.equal({
        kind: 'menu',
        title: 'Corner Shop asks you to pay ¥12.50',
        options: [
          { id: '1', label: 'Pay' },
          { id: '2', label: 'Decline' },
        ],
      });
      expect(shown(screens[2])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
      expect(last).to.deep.equal({
        kind: 'message',
        text: 'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
        final: true,
      });
      expect(await walletBalance(h, msisdn)).to.equal(8_750n);
      expect(await pendingPaymentRequest(h.db, msisdn)).to.equal(null);
      // With the request settled, the next call opens on the menu.
      expect((await dial(msisdn, [])).last).to.deep.include({ title: 'Mobile wallet' });
    });

    it('payment request – when 2 – voids the hold and the held money is free again', async () => {
      const msisdn = await user(10_000n);
      await requested(msisdn, '9000');
      const held = await h
        .db('accounts')
        .where({ code: walletCode(msisdn) })
        .first('held');
      expect(held.held).to.equal(9_000n);
      const { last } = await dial(msisdn, ['2']);
      expect(shown(last)).to.equal('Declined: Corner Shop, ¥90.00. The held money is free again.');
      const after = await h
        .db('accounts')
        .where({ code: walletCode(msisdn) })
        .first('held', 'balance');
      expect(after).to.deep.equal({ held: 0n, balance: 10_000n });
    });
  });

  describe('language', () => {
    it('language – when switched in the account menu – the session goes on in it, and so does the next one', async () => {
      const msisdn = await h.openWallet(newMsisdn(), 100n);
      const { screens, last } = await dial(msisdn, ['6', '5', '1']);
      expect(shown(screens[0])).to.equal('手机钱包');
      expect(shown(screens[2])).to.equal('Language set to English.\nMobile wallet');
      expect(shown(last)).to.equal('Balance ¥1.00, available ¥1.00.');
      expect((await userProfile(h.db, msisdn)).locale).to.equal('en');

      const next = await dial(msisdn, ['6', '5']);
      expect(shown(next.screens[0])).to.equal('Mobile wallet');
      expect(shown(next.last)).to.equal('已切换为中文。\n手机钱包');
      expect((await userProfile(h.db, msisdn)).locale).to.equal('zh-CN');
    });
  });

  describe('refusals', () => {
    it('pay – when the PIN is wrong three times – locks payments, and the right PIN is refused afterwards', async () => {
      const msisdn = await user(10_000n);
      const { screens, last } = await dial(msisdn, ['3', merchant, '12.5', WRONG_PIN, WRONG_PIN, WRONG_PIN]);
      expect(shown(screens[4])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
      expect(shown(screens[5])).to.equal('Wrong PIN. 1 attempt(s) left.\nEnter your 6-digit PIN again:');
      expect(last).to.deep.equal({
        kind: 'message',
        text: 'Too many wrong PINs: payments are locked for now.',
        final: true,
      });
      const fourth = await dial(msisdn, ['3', merchant, '12.5', TEST_PIN]);
      expect(shown(fourth.last)).to.equal('Too many wrong PINs: payments are locked for now.');
      expect(await walletBalance(h, msisdn)).to.equal(10_000n);
    });

    it('pay – when the balance is not enough – refuses and moves nothing', async () => {
      const msisdn = await user(1_000n);
      const before = await ledgerSnapshot(h);
      const { last } = await dial(msisdn, ['3', merchant, '10.01', TEST_PIN]);
      expect(shown(last)).to.equal('Your balance is not enough. Nothing was paid.');
      expect(await ledgerSnapshot(h)).to.equal(before);
    });

    it('pay and transfer – over the per-payment cap or the daily limit – say which limit', async () => {
      const msisdn = await user(80_000n);
      const perPayment = await dial(msisdn, ['3', merchant, '600', TEST_PIN]);
      expect(shown(perPayment.last)).to.equal('Over your limit of ¥500.00 per payment. Nothing was paid.');
      const set = await h.run('limits.set', { msisdn, daily: '1000' });
      expect(set.ok, JSON.stringify(set)).to.equal(true);
      const daily = await dial(msisdn, ['4', (await user()).slice(2), '12.5', TEST_PIN]);
      expect(shown(daily.last)).to.equal('Over your daily limit; ¥10.00 left today.');
      expect(await walletBalance(h, msisdn)).to.equal(80_000n);
    });

    it('pay – when the merchant code is unknown – says so and moves nothing', async () => {
      const msisdn = await user(1_000n);
      const { last } = await dial(msisdn, ['3', 'nosuch42', '1', TEST_PIN]);
      expect(shown(last)).to.equal('No merchant has this code. Please check it.');
      expect(await walletBalance(h, msisdn)).to.equal(1_000n);
    });

    it('pay – when amounts are malformed – asks again each time, then pays the good one', async () => {
      const msisdn = await user(1_000n);
      const { screens, last } = await dial(msisdn, [
        '3',
        merchant,
        '1.234',
        '-5',
        '0',
        'abc',
        '2.5',
        TEST_PIN,
      ]);
      for (const screen of screens.slice(3, 7)) {
        expect(shown(screen)).to.equal('Invalid amount. Enter yuan, e.g. 12.50:');
      }
      expect(shown(last)).to.equal('You paid ¥2.50 to Corner Shop. Balance ¥7.50.');
    });
  });

  describe('sessions', () => {
    it('a session – when the gateway restarts inside the account submenu – resumes in a new runner', async () => {
      const msisdn = await user();
      const { sessionId, last } = await dial(msisdn, ['6', '1', TEST_PIN], newRunner());
      expect(shown(last)).to.equal('Enter a new 6-digit PIN:');
      const restarted = newRunner();
      expect(shown(await restarted.step('ussd', sessionId, null, say(NEW_PIN)))).to.equal(
        'Enter the new PIN again:',
      );
      expect(shown(await restarted.step('ussd', sessionId, null, say(NEW_PIN)))).to.equal(
        'Your payment PIN is changed.',
      );
      expect(await textsFor(h, msisdn)).to.include(
        'Your payment PIN was changed. If this was not you, call customer service now.',
      );
      const withOld = await dial(msisdn, ['6', '3', TEST_PIN]);
      expect(shown(withOld.last)).to.equal('Your wallet is not frozen.'); // the PIN is checked after the status
    });

    it('a session – when it times out mid-journey – ends, changes nothing and is deleted', async () => {
      const msisdn = await user(1_000n);
      const before = await ledgerSnapshot(h);
      const { last, sessionId } = await dial(msisdn, ['3', merchant, '5', 'TIMEOUT']);
      expect(last).to.deep.equal({
        kind: 'message',
        text: 'The session timed out. Please start again.',
        final: true,
      });
      expect(await h.redis.exists(sessionKey(h.config.redisPrefix, 'ussd', sessionId))).to.equal(0);
      expect(await ledgerSnapshot(h)).to.equal(before);
    });

    it('change PIN – after the two new PINs differ – the stored session keeps neither of them', async () => {
      const msisdn = await user();
      const sessionId = randomUUID();
      const { screens } = await dial(msisdn, ['6', '1', TEST_PIN, NEW_PIN, WRONG_PIN], runner, sessionId);
      expect(shown(screens[5])).to.equal('The two new PINs differ. Enter a new 6-digit PIN:');
      const stored = await h.redis.get(sessionKey(h.config.redisPrefix, 'ussd', sessionId));
      expect(stored).to.be.a('string');
      expect(stored).not.to.include(NEW_PIN);
      expect(stored).not.to.include(WRONG_PIN);
    });
  });
});

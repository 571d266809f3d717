import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { helpText } from '../../../flows/grammar/index.js';
import { userProfile } from '../../../src/ledger/user-profile.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { businessDay } from '../../../src/lib/time.js';
import {
  createSmsConversation,
  type SmsConversation,
  sessionLockKey,
  smsPendingKey,
} from '../../../src/sessions/index.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { expectBalanced, textsFor, waitFor, walletBalance } from '../../helpers/ledger.js';

const WRONG_PIN = '246813';
const paidPattern = /^You paid ¥12\.50 to .+\. Balance ¥87\.50\.$/;

describe('SMS conversation (real queue, ledger and Redis)', () => {
  let h: Harness;
  let sms: SmsConversation;
  const merchant = `m${randomUUID().slice(0, 6)}`;

  const conversation = (pendingTtlSeconds?: number) =>
    createSmsConversation({
      db: h.db,
      redis: h.redis,
      prefix: h.config.redisPrefix,
      keys: keyringOf(h.config),
      bus: h.bus,
      commandTimeoutMs: 15_000,
      defaultLocale: h.config.locale,
      ...(pendingTtlSeconds === undefined ? {} : { pendingTtlSeconds }),
    });
  /** Sends the texts one after the other, as one user would; the replies of each. */
  async function say(msisdn: string, ...texts: string[]): Promise<string[][]> {
    const replies: string[][] = [];
    for (const body of texts) replies.push(await sms.handle(msisdn, body));
    return replies;
  }
  const pendingKey = (msisdn: string) => smsPendingKey(h.config.redisPrefix, msisdn);
  const status = async (msisdn: string) => (await userProfile(h.db, msisdn)).status;

  before(async () => {
    // English by default, so wallets opened by the harness read English too.
    h = await createHarness({ locale: 'en' });
    await h.merchant(merchant, 'Corner Shop');
    await h.merchant('2001', 'Shop 2001'); // the code the full-width test types; another file may own it
    sms = conversation();
  });
  after(async () => {
    await expectBalanced(h);
    await h.close();
  });

  it('KT then A – when a new user replies A to the agreement – opens a wallet and the initial passwords go by SMS', async () => {
    const user = newMsisdn();
    const [[agreement], [opened]] = await say(user.slice(2), 'KT', 'A');
    expect(agreement).to.match(/^Open a mobile wallet under our terms: .*Reply A to accept, QX to cancel\.$/);
    expect(opened).to.equal(
      'Your wallet is open. The initial passwords come in a separate SMS; change the PIN soon with GM.',
    );
    expect(await userProfile(h.db, user)).to.include({ registered: true, locale: 'en', status: 'active' });
    const texts = await textsFor(h, user);
    expect(texts).to.have.length(1);
    // Sealed until the relay hands it on, then blanked.
    const text = keyringOf(h.config).isSealed(texts[0]) ? keyringOf(h.config).unseal(texts[0]) : texts[0];
    expect(text).to.match(
      /^(Your mobile wallet is open\. Initial login password: \S+\. Initial payment PIN: \d{6}\.|\[sent; initial passwords are not kept\])/,
    );
    expect(await h.redis.exists(pendingKey(user))).to.equal(0);
  });

  it('开通 then A – when the default is English – answers in Chinese and remembers zh-CN', async () => {
    const user = newMsisdn();
    const [[agreement], [opened]] = await say(user, '开通', 'A');
    expect(agreement).to.match(/^开通手机钱包即同意用户协议/);
    expect(opened).to.match(/^钱包已开通/);
    expect((await userProfile(h.db, user)).locale).to.equal('zh-CN');
  });

  it('KT then QX – opens nothing and forgets the pending agreement', async () => {
    const user = newMsisdn();
    const [, [cancelled]] = await say(user, 'KT', 'QX');
    expect(cancelled).to.equal('Cancelled. No wallet was opened.');
    expect((await userProfile(h.db, user)).registered).to.equal(false);
    expect(await h.redis.exists(pendingKey(user))).to.equal(0);
  });

  it('offerOpen then SMS A – when the IVR asks to open – sends the agreement and A opens the wallet', async () => {
    const user = newMsisdn();
    const [agreement] = await sms.offerOpen(`+${user}`);
    expect(agreement).to.match(/^Open a mobile wallet under our terms/);
    expect(await h.redis.exists(pendingKey(user))).to.equal(1);
    expect(await sms.handle(user, 'A')).to.deep.equal([
      'Your wallet is open. The initial passwords come in a separate SMS; change the PIN soon with GM.',
    ]);
    expect(await status(user)).to.equal('active');
  });

  it('YE and MX – when a user has topped up – answer the balance and the last transactions', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const [[balance], [statement]] = await say(user, 'YE', 'mx');
    expect(balance).to.equal('Balance ¥100.00, available ¥100.00.');
    expect(statement).to.equal(`Last transactions (yuan):\n${businessDay().slice(5)} +100.00 top-up`);
  });

  it('CZ – with a real recharge card – tops up the wallet by the card amount', async () => {
    const user = await h.openWallet(newMsisdn());
    const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 5_000n);
    expect(await sms.handle(user, `CZ ${card.serial} ${card.pin}`)).to.deep.equal([
      'You topped up ¥50.00. Balance ¥50.00.',
    ]);
    expect(await walletBalance(h, user)).to.equal(5_000n);
  });

  it('ZF merchant 12.50 then the PIN – asks for the PIN, keeps it pending 10 minutes, then pays 1250 fen', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    expect(await sms.handle(user, `ZF ${merchant} 12.50`)).to.deep.equal([
      `Pay ¥12.50 to ${merchant}? Reply with your 6-digit PIN to confirm, QX to cancel.`,
    ]);
    expect(await h.redis.ttl(pendingKey(user))).to.be.within(590, 600);
    expect(await sms.handle(user, TEST_PIN)).to.deep.equal([
      'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    ]);
    expect(await walletBalance(h, user)).to.equal(8_750n);
    expect(await h.redis.exists(pendingKey(user))).to.equal(0);
  });

  it('ＺＦ　２００１　１２．５ – when typed full width – pays merchant 2001', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const [[prompt], [paid]] = await say(user, 'ＺＦ　２００１　１２．５', TEST_PIN);
    expect(prompt).to.match(/^Pay ¥12\.50 to 2001\?/);
    expect(paid).to.match(paidPattern);
    expect(await walletBalance(h, user)).to.equal(8_750n);
  });

  it('ZZ then the PIN – moves the money to the other wallet', async () => {
    const payer = await h.openWallet(newMsisdn(), 2_000n);
    const payee = await h.openWallet(newMsisdn());
    const [, [sent]] = await say(payer, `ZZ ${payee.slice(2)} 5`, TEST_PIN);
    expect(sent).to.equal(`You sent ¥5.00 to ${payee.slice(2)}. Balance ¥15.00.`);
    expect(await walletBalance(h, payer)).to.equal(1_500n);
    expect(await walletBalance(h, payee)).to.equal(500n);
  });

  it('GM, DJ 7, then JD with the new PIN – changes the PIN, freezes with a date, unfreezes', async () => {
    const user = await h.openWallet(newMsisdn());
    const newPin = '246801';
    expect(await sms.handle(user, `GM ${TEST_PIN} ${newPin}`)).to.deep.equal([
      'Your payment PIN is changed.',
    ]);
    const [frozen] = await sms.handle(user, 'DJ 7');
    const row = await h
      .db('accounts as a')
      .join('users as u', 'u.account_id', 'a.id')
      .where('u.msisdn', user)
      .first('a.frozen_until');
    const date = businessDay(new Date(row.frozen_until)); // the China-time date
    expect(frozen).to.equal(`Your wallet is frozen until ${date}, then unfreezes by itself. Sooner: JD PIN.`);
    expect(await status(user)).to.equal('frozen');
    expect(await sms.handle(user, `JD ${TEST_PIN}`)).to.deep.equal(['Wrong PIN. 2 attempt(s) left.']);
    expect(await sms.handle(user, `JD ${newPin}`)).to.deep.equal([
      'Your wallet is unfrozen and ready to use.',
    ]);
    expect(await status(user)).to.equal('active');
  });

  it('XH then A – refused while money is left (with how to empty it), allowed at zero', async () => {
    const rich = await h.openWallet(newMsisdn(), 100n);
    const [[ask], [refusal]] = await say(rich, 'XH', 'A');
    expect(ask).to.equal(
      'Close your wallet? Reply A to confirm, QX to cancel. Refused while money is left in it.',
    );
    expect(refusal).to.match(/^Your wallet still holds money.*\(ZZ mobile amount\)/);
    expect(await status(rich)).to.equal('active');

    const empty = await h.openWallet(newMsisdn());
    const [, [closed], [after]] = await say(empty, 'XH', 'A', 'YE');
    expect(closed).to.equal('Your wallet is closed. Thank you for using it.');
    expect(after).to.equal('You have no wallet yet. Text KT to open one.');
    expect(await status(empty)).to.equal('closed');
  });

  it('a merchant payment request – confirmed by a bare PIN, another declined by QX', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const request = () =>
      h.run('payment.request', { merchant, msisdn: user, amount: '500', reference: randomUUID() });
    expect((await request()).ok).to.equal(true);
    expect(await sms.handle(user, TEST_PIN)).to.deep.equal([
      'You paid ¥5.00 to Corner Shop. Balance ¥95.00.',
    ]);
    expect(await walletBalance(h, user)).to.equal(9_500n);

    expect((await request()).ok).to.equal(true);
    expect(await sms.handle(user, 'QX')).to.deep.equal([
      'You declined the request of ¥5.00 from Corner Shop; the held money is free again.',
    ]);
    expect(await walletBalance(h, user)).to.equal(9_500n);
    const held = await h
      .db('accounts as a')
      .join('users as u', 'u.account_id', 'a.id')
      .where('u.msisdn', user)
      .first('a.held');
    expect(BigInt(held.held)).to.equal(0n);
    expect(await sms.handle(user, TEST_PIN)).to.deep.equal([
      'Nothing waits for a PIN. To pay: ZF merchant amount. Help: BZ.',
    ]);
  });

  describe('several merchant payment requests', () => {
    const request = async (msisdn: string, amount: string) => {
      const result = await h.run('payment.request', { merchant, msisdn, amount, reference: randomUUID() });
      expect(result.ok, JSON.stringify(result)).to.equal(true);
      return String(result.ok && result.value.holdId);
    };
    /** Each hold's status by its request number, and the money held, from PostgreSQL. */
    const holds = async (msisdn: string) => {
      const rows = await h
        .db('transfers as t')
        .join('accounts as a', 'a.id', 't.debit_account_id')
        .where({ 'a.code': `wallet:${msisdn}`, 't.kind': 'hold' })
        .orderBy('t.id')
        .select('t.request_no', 't.status');
      const { held } = await h
        .db('accounts')
        .where({ code: `wallet:${msisdn}` })
        .first('held');
      return { statuses: rows.map((r) => `${r.request_no}:${r.status}`), held };
    };

    it('two requests – a bare PIN pays neither and lists both; 2 and the PIN pays the second only; then the PIN alone pays the first', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      await request(user, '500');
      await request(user, '1250');
      expect(await textsFor(h, user)).to.include.members([
        'Corner Shop asks you to pay ¥5.00 (request 1); the amount is held for you. Reply with your payment PIN to confirm, QX to decline.',
        'Corner Shop asks you to pay ¥12.50 (request 2); the amount is held for you. 2 requests wait: reply "2 PIN" to confirm this one, "QX 2" to decline it.',
      ]);

      expect(await sms.handle(user, TEST_PIN)).to.deep.equal([
        '2 payment requests wait, so a PIN alone pays none. Reply the number and your PIN ("n PIN") to pay one:\n' +
          '1 Corner Shop ¥5.00\n2 Corner Shop ¥12.50',
      ]);
      expect(await holds(user)).to.deep.equal({ statuses: ['1:pending', '2:pending'], held: 1_750n });
      expect(await walletBalance(h, user)).to.equal(10_000n);

      expect(await sms.handle(user, `2 ${TEST_PIN}`)).to.deep.equal([
        'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
      ]);
      expect(await holds(user)).to.deep.equal({ statuses: ['1:pending', '2:posted'], held: 500n });
      expect(await walletBalance(h, user)).to.equal(8_750n);

      expect(await sms.handle(user, TEST_PIN)).to.deep.equal([
        'You paid ¥5.00 to Corner Shop. Balance ¥82.50.',
      ]);
      expect(await holds(user)).to.deep.equal({ statuses: ['1:posted', '2:posted'], held: 0n });
      expect(await h.redis.exists(pendingKey(user))).to.equal(0);
    });

    it('two requests – QX 1 declines the first only; then QX alone declines the second', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      await request(user, '500');
      await request(user, '1250');
      expect(await sms.handle(user, 'QX 1')).to.deep.equal([
        'You declined the request of ¥5.00 from Corner Shop; the held money is free again.',
      ]);
      expect(await holds(user)).to.deep.equal({ statuses: ['1:voided', '2:pending'], held: 1_250n });
      expect(await sms.handle(user, 'ＱＸ')).to.deep.equal([
        'You declined the request of ¥12.50 from Corner Shop; the held money is free again.',
      ]);
      expect(await holds(user)).to.deep.equal({ statuses: ['1:voided', '2:voided'], held: 0n });
      expect(await walletBalance(h, user)).to.equal(10_000n);
    });

    it('a request number freed by a payment – goes to the next request, which 1 and the PIN then pays', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      await request(user, '500');
      await request(user, '700');
      await sms.handle(user, `1 ${TEST_PIN}`);
      await request(user, '900');
      expect(await holds(user)).to.deep.equal({
        statuses: ['1:posted', '2:pending', '1:pending'],
        held: 1_600n,
      });
      expect(await sms.handle(user, `１ ${TEST_PIN}`)).to.deep.equal([
        'You paid ¥9.00 to Corner Shop. Balance ¥86.00.',
      ]);
      expect(await holds(user)).to.deep.equal({
        statuses: ['1:posted', '2:pending', '1:posted'],
        held: 700n,
      });
    });
  });

  it('ZF then a wrong PIN three times – asks again twice, then payments lock and nothing is pending', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const [, [first], [second], [third]] = await say(
      user,
      `ZF ${merchant} 1`,
      WRONG_PIN,
      WRONG_PIN,
      WRONG_PIN,
    );
    expect(first).to.equal('Wrong PIN. 2 attempt(s) left. Reply with your 6-digit PIN, or QX to cancel.');
    expect(second).to.equal('Wrong PIN. 1 attempt(s) left. Reply with your 6-digit PIN, or QX to cancel.');
    expect(third).to.equal('Too many wrong PINs: payments are locked for now.');
    expect(await h.redis.exists(pendingKey(user))).to.equal(0);
    expect(await h.redis.get(pendingKey(user))).to.equal(null);
    expect(await walletBalance(h, user)).to.equal(10_000n);
  });

  it('a pending confirmation – when its TTL passes – is gone: A has nothing to confirm, the PIN pays nothing', async () => {
    const short = conversation(1);
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await short.handle(user, `ZF ${merchant} 12.5`);
    expect(await h.redis.ttl(pendingKey(user))).to.be.within(0, 1);
    await waitFor(async () => (await h.redis.exists(pendingKey(user))) === 0, 5_000);
    expect(await short.handle(user, 'A')).to.deep.equal(['Nothing to confirm. Send BZ for help.']);
    expect(await short.handle(user, TEST_PIN)).to.deep.equal([
      'Nothing waits for a PIN. To pay: ZF merchant amount. Help: BZ.',
    ]);
    expect(await walletBalance(h, user)).to.equal(10_000n);
  });

  it('a restarted conversation object – on the same Redis – continues a pending payment', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await conversation().handle(user, `ZF ${merchant} 12.5`);
    expect(await conversation().handle(user, TEST_PIN)).to.deep.equal([
      'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    ]);
    expect(await walletBalance(h, user)).to.equal(8_750n);
  });

  it('the same MO handled twice – when its messageId is given – runs its command once, its job carrying the MO as its request id', async () => {
    const user = await h.openWallet(newMsisdn());
    const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 5_000n);
    const mo = { messageId: `mo-${randomUUID()}` };
    const first = await sms.handle(user, `CZ ${card.serial} ${card.pin}`, mo);
    const again = await sms.handle(user, `CZ ${card.serial} ${card.pin}`, mo);
    // The second run gets the first run's stored result, not "this card has already been used".
    expect(again).to.deep.equal(first).and.deep.equal(['You topped up ¥50.00. Balance ¥50.00.']);
    expect(await walletBalance(h, user)).to.equal(5_000n);
    // The MO is the request its command came from: the job carries its id, for the worker's log lines.
    const jobs = (await Promise.all(h.bus.allQueues.map((q) => q.getJobs(['completed'])))).flat();
    const asked = jobs.filter(
      (job) => (job.data as { requestId?: string }).requestId === `mo:${mo.messageId}`,
    );
    expect(asked.map((job) => job.name)).to.deep.equal(['topup.card']);
  });

  it('a PIN MO re-processed after a crash – when the pending payment was still saved – pays once', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await sms.handle(user, `ZF ${merchant} 12.5`);
    const saved = (await h.redis.get(pendingKey(user))) as string;
    const mo = { messageId: `mo-${randomUUID()}` };
    expect(await sms.handle(user, TEST_PIN, mo)).to.deep.equal([
      'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    ]);
    // The worker died after the payment but before the snapshot was dropped: the MO runs again.
    await h.redis.set(pendingKey(user), saved, 'EX', 600);
    expect(await sms.handle(user, TEST_PIN, mo)).to.deep.equal([
      'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    ]);
    expect(await walletBalance(h, user)).to.equal(8_750n);
  });

  it('two PIN MOs of one user at once – take turns under the lock, so one pays and the other finds nothing', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await sms.handle(user, `ZF ${merchant} 12.5`);
    const replies = await Promise.all([
      sms.handle(user, TEST_PIN, { messageId: `mo-${randomUUID()}` }),
      conversation().handle(user, TEST_PIN, { messageId: `mo-${randomUUID()}` }),
    ]);
    expect(replies.map(([r]) => r).sort()).to.deep.equal([
      'Nothing waits for a PIN. To pay: ZF merchant amount. Help: BZ.',
      'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    ]);
    expect(await walletBalance(h, user)).to.equal(8_750n);
    expect(await h.redis.exists(sessionLockKey(h.config.redisPrefix, 'sms', user))).to.equal(0);
  });

  it('a PIN kept waiting – is never in the saved snapshot', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await say(user, `ZF ${merchant} 1`, WRONG_PIN);
    const saved = await h.redis.get(pendingKey(user));
    expect(saved).to.be.a('string');
    expect(saved).not.to.include(WRONG_PIN);
  });

  it('a saved snapshot that no longer fits the machine – is dropped and the user still gets an answer', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await h.redis.set(
      pendingKey(user),
      keyringOf(h.config).seal(JSON.stringify({ status: 'active', value: 'gone', context: {} })),
      'EX',
      60,
    );
    expect(await sms.handle(user, 'YE')).to.deep.equal(['Balance ¥100.00, available ¥100.00.']);
    expect(await h.redis.exists(pendingKey(user))).to.equal(0);
  });

  it('a pending payment saved without its journey (before the journeys ran as children) – is dropped: the PIN pays nothing', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await sms.handle(user, `ZF ${merchant} 12.5`);
    const keys = keyringOf(h.config);
    const record = JSON.parse(keys.unseal((await h.redis.get(pendingKey(user))) as string));
    expect(record.state.children.journey).to.include({ src: 'pay' });
    record.state.children = {};
    await h.redis.set(pendingKey(user), keys.seal(JSON.stringify(record)), 'EX', 600);
    expect(await sms.handle(user, TEST_PIN)).to.deep.equal([
      'Nothing waits for a PIN. To pay: ZF merchant amount. Help: BZ.',
    ]);
    expect(await walletBalance(h, user)).to.equal(10_000n);
    expect(await h.redis.exists(pendingKey(user))).to.equal(0);
  });

  it('unknown text and an invalid MSISDN – help for the one, no reply for the other', async () => {
    const user = await h.openWallet(newMsisdn());
    expect(await sms.handle(user, 'hello')).to.deep.equal([helpText('en')]);
    expect(await sms.handle('12345', 'YE')).to.deep.equal([]);
  });
});

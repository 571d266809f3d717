import { expect } from 'chai';
import { createActor, fromPromise, waitFor } from 'xstate';
import {
  bindSms,
  type CommandRequest,
  flows,
  type SmsContext,
  smsEvent,
  smsMachine,
} from '../../../flows/index.js';
import { parseSms } from '../../../flows/grammar/index.js';
import { BUSY } from '../../../flows/kit.js';
import type { Locale } from '../../../flows/texts/index.js';
import type { CommandResult } from '../../../src/commands/catalog.js';
import type { PaymentRequestView } from '../../../src/ledger/user-profile.js';
import { recordStates, stateIds } from './coverage.js';

/** The help texts as users read them, written out (not read back from the grammar). */
const HELP_ZH =
  '指令:KT开通 A确认 QX取消 YE余额 MX明细 CZ 卡号 卡密:充值 ZF 商户号 金额:支付 ZZ 手机号 金额:转账 ' +
  'GM 旧密码 新密码:改密 DJ [天数]:冻结 JD 密码:解冻 XH销户 BZ帮助。可发中文,如 余额';
const HELP_EN =
  'Commands: KT open, A confirm, QX cancel, YE balance, MX last 5, CZ card PIN: top up, ' +
  'ZF merchant amount: pay, ZZ mobile amount: transfer, GM old new: change PIN, DJ (days): freeze, ' +
  'JD PIN: unfreeze, XH close, BZ or ?: help. E.g. ZF 2001 12.50';

const MSISDN = '8613800138000';
const PIN = '135790';
const HAN = /\p{Script=Han}/u;

type Respond = (request: CommandRequest) => CommandResult;
const ok = (value: Record<string, unknown>): CommandResult => ({ ok: true, value });
const refused = (code: string, message = code): CommandResult => ({ ok: false, error: { code, message } });

/** What the fake ledger answers, per command type. */
const ANSWERS: Record<string, CommandResult> = {
  balance: ok({ balance: '8750', available: '8000' }),
  statement: ok({
    lines: [
      {
        kind: 'payment',
        amount: '-1250',
        counterparty: '2001',
        counterpartyKind: 'merchant',
        at: '2026-11-23T03:00:00.000Z',
      },
      {
        kind: 'transfer',
        amount: '500',
        counterparty: '13900139000',
        counterpartyKind: 'wallet',
        at: '2026-11-22T17:00:00.000Z',
      },
      {
        kind: 'topup_card',
        amount: '10000',
        counterparty: 'card_float',
        counterpartyKind: 'system',
        at: '2026-11-21T08:00:00.000Z',
      },
    ],
  }),
  'topup.card': ok({ transferId: '9', amount: '5000', balance: '13750' }),
  'pin.change': ok({ msisdn: MSISDN }),
  'account.freeze': ok({ msisdn: MSISDN, status: 'frozen', frozenUntil: null }),
  'account.unfreeze': ok({ msisdn: MSISDN, status: 'active' }),
  'account.open': ok({ msisdn: MSISDN, accountId: '1', status: 'active' }),
  'account.close': ok({ msisdn: MSISDN, status: 'closed' }),
  payment: ok({ transferId: '7', merchant: '2001', merchantName: 'Corner Shop', balance: '7500' }),
  transfer: ok({ transferId: '8', to: '13900139000', balance: '8250' }),
  'payment.confirm': ok({ holdId: '42', status: 'posted', balance: '8250' }),
  'payment.decline': ok({ holdId: '42', status: 'voided' }),
};
const ledger: Respond = (request) => ANSWERS[request.type] ?? refused('unexpected');

const REQUEST: PaymentRequestView = {
  holdId: '42',
  requestNo: 1,
  merchant: '2001',
  merchantName: 'Corner Shop',
  amount: '500',
  expiresAt: '2026-11-23T03:10:00.000Z',
};
/** A second request waiting beside REQUEST. */
const SECOND: PaymentRequestView = {
  holdId: '43',
  requestNo: 2,
  merchant: '3001',
  merchantName: 'Tea House',
  amount: '1250',
  expiresAt: '2026-11-23T03:12:00.000Z',
};

/**
 * Throws unless a reply fits one SMS: GSM 7-bit (160) for ASCII and ¥, UCS2 (70) for anything else. The
 * agreement, the help and a statement (several lines) are long by design and exempt. `talk()` checks every
 * reply it hands back, so each test checks its own replies, whatever ran before it.
 */
function expectFitsOneSms(text: string): void {
  const long = new Set([HELP_EN, HELP_ZH]);
  if (long.has(text) || /^(Open a mobile wallet|开通手机钱包)|\n/.test(text)) return;
  const limit = /^[\x20-\x7E¥\n]*$/.test(text) ? 160 : 70;
  if ([...text].length > limit) {
    throw new Error(`a reply does not fit one SMS (${[...text].length} > ${limit}): ${text}`);
  }
}

interface TalkOptions {
  registered?: boolean;
  locale?: Locale;
  respond?: Respond;
  /** The merchant requests waiting for the user, as the lookup answers. */
  waiting?: PaymentRequestView[];
  /** Restore this persisted snapshot instead of starting. */
  snapshot?: string;
}

/** One user's conversation with fake actors: texts in, replies out, every command request recorded. */
function talk(options: TalkOptions = {}) {
  const requests: CommandRequest[] = [];
  const lookups: string[] = [];
  const respond = options.respond ?? ledger;
  const runCommand = fromPromise<CommandResult, CommandRequest>(async ({ input }) => {
    requests.push(input);
    return respond(input);
  });
  const findPaymentRequests = fromPromise<PaymentRequestView[], { msisdn: string }>(async ({ input }) => {
    lookups.push(input.msisdn);
    return options.waiting ?? [];
  });
  const machine = bindSms(runCommand, findPaymentRequests);
  const actor = options.snapshot
    ? createActor(machine, {
        inspect: recordStates,
        snapshot: JSON.parse(options.snapshot),
        input: { msisdn: '', locale: 'en', registered: false },
      })
    : createActor(machine, {
        inspect: recordStates,
        input: {
          msisdn: MSISDN,
          locale: options.locale ?? 'en',
          registered: options.registered ?? true,
        },
      });
  actor.start();
  const context = () => actor.getSnapshot().context as SmsContext;
  const settle = async () => {
    const s = await waitFor(actor, (snap) => !snap.hasTag(BUSY));
    const replies = (s.context as SmsContext).replies;
    for (const reply of replies) expectFitsOneSms(reply);
    return replies;
  };
  return {
    requests,
    lookups,
    context,
    /** Sends one MO the way the session layer does: parsed, with the script as a locale hint. */
    async sms(body: string): Promise<string[]> {
      const intent = parseSms(body, { locale: context().locale });
      actor.send(smsEvent(intent, HAN.test(body) ? 'zh-CN' : undefined));
      return settle();
    },
    async offerOpen(): Promise<string[]> {
      actor.send({ type: 'OFFER_OPEN' });
      return settle();
    },
    state: () => actor.getSnapshot().value,
    persisted: () => JSON.stringify(actor.getPersistedSnapshot()),
  };
}

describe('SMS conversation flow', () => {
  describe('one-shot keywords, in letters and in Chinese', () => {
    const cases: {
      letters: string;
      chinese: string;
      request: CommandRequest;
      en: string;
      zh: string;
    }[] = [
      {
        letters: 'YE',
        chinese: '余额',
        request: { type: 'balance', input: { msisdn: MSISDN } },
        en: 'Balance ¥87.50, available ¥80.00.',
        zh: '余额¥87.50,可用¥80.00。',
      },
      {
        letters: 'MX',
        chinese: '明细',
        request: { type: 'statement', input: { msisdn: MSISDN, limit: 5 } },
        en: 'Last transactions (yuan):\n11-23 -12.50 2001\n11-23 +5.00 *9000\n11-21 +100.00 top-up',
        zh: '最近交易(元):\n11-23 -12.50 2001\n11-23 +5.00 *9000\n11-21 +100.00 充值',
      },
      {
        letters: 'CZ 8600123456789012 481516',
        chinese: '充值 8600123456789012 481516',
        request: {
          type: 'topup.card',
          input: { msisdn: MSISDN, serial: '8600123456789012', cardPin: '481516' },
        },
        en: 'You topped up ¥50.00. Balance ¥137.50.',
        zh: '充值¥50.00成功,余额¥137.50。',
      },
      {
        letters: 'GM 123456 654321',
        chinese: '改密 123456 654321',
        request: { type: 'pin.change', input: { msisdn: MSISDN, oldPin: '123456', newPin: '654321' } },
        en: 'Your payment PIN is changed.',
        zh: '支付密码已修改,请牢记新密码。',
      },
      {
        letters: 'DJ',
        chinese: '冻结',
        request: { type: 'account.freeze', input: { msisdn: MSISDN } },
        en: 'Your wallet is frozen. To unfreeze: JD PIN.',
        zh: '钱包已冻结。解冻请发JD 支付密码。',
      },
      {
        letters: 'DJ 7',
        chinese: '冻结 7天',
        request: { type: 'account.freeze', input: { msisdn: MSISDN, days: 7 } },
        en: 'Your wallet is frozen. To unfreeze: JD PIN.',
        zh: '钱包已冻结。解冻请发JD 支付密码。',
      },
      {
        letters: 'JD 654321',
        chinese: '解冻 654321',
        request: { type: 'account.unfreeze', input: { msisdn: MSISDN, pin: '654321' } },
        en: 'Your wallet is unfrozen and ready to use.',
        zh: '钱包已解冻,可以正常交易。',
      },
    ];
    for (const c of cases) {
      it(`${c.letters} / ${c.chinese} – when a user sends it – runs ${c.request.type} and replies the result`, async () => {
        const en = talk({ locale: 'en' });
        expect(await en.sms(c.letters)).to.deep.equal([c.en]);
        expect(en.requests).to.deep.equal([c.request]);
        const zh = talk({ locale: 'zh-CN' });
        expect(await zh.sms(c.chinese)).to.deep.equal([c.zh]);
        expect(zh.requests).to.deep.equal([c.request]);
        expect(zh.state()).to.deep.equal({ ready: 'idle' });
        expect(zh.persisted()).not.to.include('654321');
      });
    }

    it('DJ 7 – when the ledger sets an unfreeze date – names the date', async () => {
      const t = talk({
        respond: () => ok({ status: 'frozen', frozenUntil: '2026-11-30T04:00:00.000Z' }),
      });
      expect(await t.sms('DJ 7')).to.deep.equal([
        'Your wallet is frozen until 2026-11-30, then unfreezes by itself. Sooner: JD PIN.',
      ]);
    });

    it('MX – when the wallet has no transactions – says so', async () => {
      const t = talk({ locale: 'zh-CN', respond: () => ok({ lines: [] }) });
      expect(await t.sms('MX')).to.deep.equal(['暂无交易记录。']);
    });

    for (const body of ['BZ', '帮助', '?', 'help']) {
      it(`${body} – when a user asks for help – replies the keyword list and runs nothing`, async () => {
        const t = talk({ locale: 'zh-CN' });
        expect(await t.sms(body)).to.deep.equal([HELP_ZH]);
        expect(t.requests).to.have.length(0);
      });
    }

    it('余额 – when a user with an English profile writes Chinese – still answers in English', async () => {
      const t = talk({ locale: 'en' });
      expect(await t.sms('余额')).to.deep.equal(['Balance ¥87.50, available ¥80.00.']);
      expect(t.context().locale).to.equal('en');
    });

    it('KT – when the user already has a wallet – says so and opens nothing', async () => {
      const t = talk();
      expect(await t.sms('KT')).to.deep.equal(['You already have a mobile wallet. Send BZ for help.']);
      expect(t.requests).to.have.length(0);
    });

    it('a one-shot – when the ledger refuses – replies the friendly refusal', async () => {
      const t = talk({ respond: () => refused('voucher_used') });
      expect(await t.sms('CZ 8600123456789012 481516')).to.deep.equal(['This card has already been used.']);
      const u = talk({ respond: () => refused('wrong_pin', 'wrong payment PIN; 1 attempt(s) left') });
      expect(await u.sms('JD 654321')).to.deep.equal(['Wrong PIN. 1 attempt(s) left.']);
    });

    it('a command – when it does not answer in time – says the result follows by SMS', async () => {
      const t = talk({ locale: 'zh-CN', respond: () => refused('pending', 'accepted') });
      expect(await t.sms('YE')).to.deep.equal(['交易已受理,结果将以短信通知您。']);
    });

    it('a command – when runCommand fails – says the service is busy and keeps nothing pending', async () => {
      const t = talk({
        respond: () => {
          throw new Error('queue down');
        },
      });
      await t.sms('ZF 2001 12.5');
      expect(await t.sms(PIN)).to.deep.equal(['The service is busy. Please try again later.']);
      expect(t.context().pending).to.equal(null);
      expect(t.state()).to.deep.equal({ ready: 'idle' });
    });
  });

  describe('paying a merchant', () => {
    it('ZF then the PIN – when the PIN is right – asks for it naming merchant and amount, then pays', async () => {
      const t = talk();
      expect(await t.sms('ZF 2001 12.50')).to.deep.equal([
        'Pay ¥12.50 to 2001? Reply with your 6-digit PIN to confirm, QX to cancel.',
      ]);
      expect(t.state()).to.deep.equal({ ready: 'awaitingPayPin' });
      expect(t.context().pending).to.deep.equal({ kind: 'pay', merchant: '2001', amount: '1250' });
      expect(t.requests).to.have.length(0);
      expect(await t.sms(PIN)).to.deep.equal(['You paid ¥12.50 to Corner Shop. Balance ¥75.00.']);
      expect(t.requests).to.deep.equal([
        { type: 'payment', input: { msisdn: MSISDN, merchant: '2001', amount: '1250', pin: PIN } },
      ]);
      expect(t.state()).to.deep.equal({ ready: 'idle' });
      expect(t.persisted()).not.to.include(PIN);
    });

    it('支付 in Chinese – when full-width – prompts in Chinese', async () => {
      const t = talk({ locale: 'zh-CN' });
      expect(await t.sms('ＺＦ　２００１　１２．５')).to.deep.equal([
        '向2001支付¥12.50,请回复6位支付密码确认,回复QX取消。',
      ]);
      expect(await t.sms('支付 2001 12.5')).to.deep.equal([
        '向2001支付¥12.50,请回复6位支付密码确认,回复QX取消。',
      ]);
    });

    it('the PIN – when wrong – tells the attempts left and keeps waiting for it, without keeping it', async () => {
      let answers = [refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), ANSWERS.payment];
      const t = talk({ respond: () => answers.shift() ?? refused('unexpected') });
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('246813')).to.deep.equal([
        'Wrong PIN. 2 attempt(s) left. Reply with your 6-digit PIN, or QX to cancel.',
      ]);
      expect(t.state()).to.deep.equal({ ready: 'awaitingPayPin' });
      expect(t.persisted()).not.to.include('246813');
      expect(await t.sms(PIN)).to.deep.equal(['You paid ¥12.50 to Corner Shop. Balance ¥75.00.']);
      expect(t.requests.map((r) => (r.input as { pin: string }).pin)).to.deep.equal(['246813', PIN]);
      answers = [];
    });

    it('the PIN – when payments get locked – ends the pending payment', async () => {
      const t = talk({ respond: () => refused('pin_locked', 'payments are locked until x') });
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('246813')).to.deep.equal(['Too many wrong PINs: payments are locked for now.']);
      expect(t.context().pending).to.equal(null);
      expect(t.state()).to.deep.equal({ ready: 'idle' });
    });

    it('ZF then QX – when the user cancels – pays nothing', async () => {
      const t = talk();
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('QX')).to.deep.equal(['Cancelled. Nothing was changed.']);
      expect(t.requests).to.have.length(0);
      expect(t.lookups).to.have.length(0);
    });

    it('ZF then A – when the user confirms with A instead of the PIN – asks for the PIN again', async () => {
      const t = talk();
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('A')).to.deep.equal(['Reply with your 6-digit PIN, or QX to cancel.']);
      expect(t.state()).to.deep.equal({ ready: 'awaitingPayPin' });
    });

    it('ZF then a 5-digit number – when the PIN is malformed – says a PIN has 6 digits and keeps waiting', async () => {
      const t = talk();
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('13579')).to.deep.equal([
        'The PIN has 6 digits. Reply with your 6-digit payment PIN',
      ]);
      expect(t.state()).to.deep.equal({ ready: 'awaitingPayPin' });
    });

    it('a pending payment – when restored from its persisted snapshot – takes the PIN and pays', async () => {
      const first = talk();
      await first.sms('ZF 2001 12.5');
      const second = talk({ snapshot: first.persisted() });
      expect(await second.sms(PIN)).to.deep.equal(['You paid ¥12.50 to Corner Shop. Balance ¥75.00.']);
      expect(second.requests).to.deep.equal([
        { type: 'payment', input: { msisdn: MSISDN, merchant: '2001', amount: '1250', pin: PIN } },
      ]);
    });
  });

  describe('transferring', () => {
    it('ZZ then the PIN – asks naming the recipient, then transfers to the canonical number', async () => {
      const t = talk({ locale: 'zh-CN' });
      expect(await t.sms('转账 13900139000 5')).to.deep.equal([
        '向13900139000转账¥5.00,请回复6位支付密码确认,回复QX取消。',
      ]);
      expect(await t.sms(PIN)).to.deep.equal(['已向13900139000转账¥5.00,余额¥82.50。']);
      expect(t.requests).to.deep.equal([
        { type: 'transfer', input: { msisdn: MSISDN, to: '8613900139000', amount: '500', pin: PIN } },
      ]);
    });

    it('ZZ then a wrong PIN – asks again, and QX then cancels', async () => {
      const t = talk({ respond: () => refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left') });
      await t.sms('ZZ 13900139000 5');
      expect(await t.sms('246813')).to.deep.equal([
        'Wrong PIN. 2 attempt(s) left. Reply with your 6-digit PIN, or QX to cancel.',
      ]);
      expect(t.state()).to.deep.equal({ ready: 'awaitingTransferPin' });
      expect(await t.sms('A')).to.deep.equal(['Reply with your 6-digit PIN, or QX to cancel.']);
      expect(await t.sms('QX')).to.deep.equal(['Cancelled. Nothing was changed.']);
      expect(t.requests).to.have.length(1);
    });
  });

  describe('closing', () => {
    it('XH then A – asks for A warning about money left, then closes', async () => {
      const t = talk();
      expect(await t.sms('XH')).to.deep.equal([
        'Close your wallet? Reply A to confirm, QX to cancel. Refused while money is left in it.',
      ]);
      expect(t.state()).to.deep.equal({ ready: 'awaitingClose' });
      expect(await t.sms('A')).to.deep.equal(['Your wallet is closed. Thank you for using it.']);
      expect(t.requests).to.deep.equal([{ type: 'account.close', input: { msisdn: MSISDN } }]);
      expect(t.context().registered).to.equal(false);
      expect(await t.sms('YE')).to.deep.equal(['You have no wallet yet. Text KT to open one.']);
    });

    it('XH then 确认 – when money is left – tells how to empty the wallet and stays a user', async () => {
      const t = talk({ locale: 'zh-CN', respond: () => refused('balance_not_zero') });
      await t.sms('销户');
      expect(await t.sms('确认')).to.deep.equal([
        '钱包内还有余额或待确认支付,不能销户。请先发ZZ 手机号 金额转出或消费完,再发XH。',
      ]);
      expect(t.context().registered).to.equal(true);
    });

    it('XH then QX – closes nothing', async () => {
      const t = talk();
      await t.sms('XH');
      expect(await t.sms('QX')).to.deep.equal(['Cancelled. Nothing was changed.']);
      expect(t.requests).to.have.length(0);
    });
  });

  describe('opening', () => {
    it('KT then A – when the user has no wallet – sends the agreement, then opens with locale and channel', async () => {
      const t = talk({ registered: false, locale: 'en' });
      const [agreement] = await t.sms('KT');
      expect(agreement).to.match(
        /^Open a mobile wallet under our terms: .*Reply A to accept, QX to cancel\.$/,
      );
      expect(t.state()).to.deep.equal({ ready: 'awaitingOpen' });
      expect(await t.sms('A')).to.deep.equal([
        'Your wallet is open. The initial passwords come in a separate SMS; change the PIN soon with GM.',
      ]);
      expect(t.requests).to.deep.equal([
        { type: 'account.open', input: { msisdn: MSISDN, locale: 'en', channel: 'sms' } },
      ]);
      expect(t.context().registered).to.equal(true);
      await t.sms('YE');
      expect(t.requests[1]).to.deep.equal({ type: 'balance', input: { msisdn: MSISDN } });
    });

    it('开通 then A – when the default is English – answers and opens in Chinese', async () => {
      const t = talk({ registered: false, locale: 'en' });
      const [agreement] = await t.sms('开通');
      expect(agreement).to.match(/^开通手机钱包即同意用户协议.*同意请回复A,取消回复QX。$/);
      expect(await t.sms('A')).to.deep.equal([
        '钱包已开通,初始登录密码和支付密码已另行短信发送,请尽快发GM修改支付密码。',
      ]);
      expect(t.requests[0].input).to.include({ locale: 'zh-CN' });
    });

    it('KT then QX – opens nothing', async () => {
      const t = talk({ registered: false });
      await t.sms('KT');
      expect(await t.sms('QX')).to.deep.equal(['Cancelled. No wallet was opened.']);
      expect(t.requests).to.have.length(0);
      expect(t.state()).to.deep.equal({ ready: 'idle' });
    });

    it('KT then A – when the wallet was opened meanwhile elsewhere – says so and counts as a user', async () => {
      const t = talk({ registered: false, respond: () => refused('already_open') });
      await t.sms('KT');
      expect(await t.sms('A')).to.deep.equal(['You already have a mobile wallet.']);
      expect(t.context().registered).to.equal(true);
    });

    it('OFFER_OPEN then A – when another channel asks – sends the agreement and opens on A', async () => {
      const t = talk({ registered: false, locale: 'zh-CN' });
      const [agreement] = await t.offerOpen();
      expect(agreement).to.match(/^开通手机钱包即同意用户协议/);
      expect(t.requests).to.have.length(0);
      await t.sms('A');
      expect(t.requests).to.deep.equal([
        { type: 'account.open', input: { msisdn: MSISDN, locale: 'zh-CN', channel: 'sms' } },
      ]);
    });

    it('OFFER_OPEN – when the user already has a wallet – says so and keeps what is pending', async () => {
      const t = talk();
      await t.sms('ZF 2001 12.5');
      expect(await t.offerOpen()).to.deep.equal(['You already have a mobile wallet. Send BZ for help.']);
      expect(t.state()).to.deep.equal({ ready: 'awaitingPayPin' });
    });
  });

  describe('a user with no wallet', () => {
    for (const body of ['YE', 'ZF 2001 12.5', 'ZZ 13900139000 5', 'XH', PIN, 'A', 'hello', 'ZF 2001 x']) {
      it(`${body} – when sent by a user with no wallet – says to text KT and runs nothing`, async () => {
        const t = talk({ registered: false });
        expect(await t.sms(body)).to.deep.equal(['You have no wallet yet. Text KT to open one.']);
        expect(t.requests).to.have.length(0);
        expect(t.lookups).to.have.length(0);
      });
    }

    it('BZ, QX and KT 1 – when sent by a user with no wallet – get help, nothing-to-cancel and the usage', async () => {
      const t = talk({ registered: false });
      expect(await t.sms('BZ')).to.deep.equal([HELP_EN]);
      expect(await t.sms('QX')).to.deep.equal(['Nothing to cancel.']);
      expect(await t.sms('KT 1')).to.deep.equal([
        'Too many words. To open a wallet: send KT, then reply A to confirm',
      ]);
    });

    it('YE – while the agreement waits – reminds to reply A and keeps it waiting', async () => {
      const t = talk({ registered: false });
      await t.sms('KT');
      expect(await t.sms('YE')).to.deep.equal([
        'You have no wallet yet. Reply A to accept the terms and open one, QX to cancel.',
      ]);
      expect(t.state()).to.deep.equal({ ready: 'awaitingOpen' });
      await t.sms('A');
      expect(t.requests.map((r) => r.type)).to.deep.equal(['account.open']);
    });
  });

  describe('nothing pending', () => {
    it('A – when nothing is pending – says nothing to confirm and runs nothing', async () => {
      const t = talk({ locale: 'zh-CN' });
      expect(await t.sms('A')).to.deep.equal(['没有待确认的操作,发BZ查看指令。']);
      expect(t.requests).to.have.length(0);
    });

    it('a bare PIN – when a merchant request waits – confirms it with that PIN and forgets the PIN', async () => {
      const t = talk({ waiting: [REQUEST] });
      expect(await t.sms(PIN)).to.deep.equal(['You paid ¥5.00 to Corner Shop. Balance ¥82.50.']);
      expect(t.lookups).to.deep.equal([MSISDN]);
      expect(t.requests).to.deep.equal([
        { type: 'payment.confirm', input: { msisdn: MSISDN, holdId: '42', pin: PIN } },
      ]);
      expect(t.context().pin).to.equal(null);
      expect(t.persisted()).not.to.include(PIN);
    });

    it('a bare PIN – when wrong for a merchant request – tells the attempts left', async () => {
      const t = talk({
        waiting: [REQUEST],
        respond: () => refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
      });
      expect(await t.sms('246813')).to.deep.equal([
        'Wrong PIN. 2 attempt(s) left. Reply with your 6-digit PIN, or QX to cancel.',
      ]);
      expect(t.context().pin).to.equal(null);
      expect(t.persisted()).not.to.include('246813');
    });

    it('a bare PIN – when no request waits – says nothing waits for a PIN, with short help', async () => {
      const t = talk();
      expect(await t.sms(PIN)).to.deep.equal([
        'Nothing waits for a PIN. To pay: ZF merchant amount. Help: BZ.',
      ]);
      expect(t.requests).to.have.length(0);
      expect(t.context().pin).to.equal(null);
    });

    it('QX – when a merchant request waits – declines it', async () => {
      const t = talk({ locale: 'zh-CN', waiting: [REQUEST] });
      expect(await t.sms('取消')).to.deep.equal(['已拒绝Corner Shop的¥5.00支付请求,冻结金额已释放。']);
      expect(t.requests).to.deep.equal([
        { type: 'payment.decline', input: { msisdn: MSISDN, holdId: '42' } },
      ]);
    });

    it('QX – when nothing waits at all – says nothing to cancel', async () => {
      const t = talk();
      expect(await t.sms('QX')).to.deep.equal(['Nothing to cancel.']);
      expect(t.requests).to.have.length(0);
    });

    it('a request lookup – when it fails – says the service is busy and confirms or declines nothing', async () => {
      // The same machine gets the failing lookup and a runCommand that records and answers like the
      // ledger: a flow that went on to payment.confirm or payment.decline after the failure would show here.
      const requests: CommandRequest[] = [];
      const lookups: string[] = [];
      const machine = bindSms(
        fromPromise<CommandResult, CommandRequest>(async ({ input }) => {
          requests.push(input);
          return ledger(input);
        }),
        fromPromise<PaymentRequestView[], { msisdn: string }>(async ({ input }) => {
          lookups.push(input.msisdn);
          throw new Error('db down');
        }),
      );
      const actor = createActor(machine, {
        inspect: recordStates,
        input: { msisdn: MSISDN, locale: 'en', registered: true },
      });
      actor.start();
      for (const body of [PIN, '1 135790', 'QX', 'QX 1']) {
        actor.send(smsEvent(parseSms(body)));
        const s = await waitFor(actor, (snap) => !snap.hasTag(BUSY));
        expect((s.context as SmsContext).replies, body).to.deep.equal([
          'The service is busy. Please try again later.',
        ]);
        expect((s.context as SmsContext).pin, body).to.equal(null);
        expect(s.value, body).to.deep.equal({ ready: 'idle' });
      }
      expect(lookups).to.deep.equal([MSISDN, MSISDN, MSISDN, MSISDN]);
      expect(requests).to.deep.equal([]);
    });
  });

  describe('several merchant requests waiting', () => {
    const both = [REQUEST, SECOND];
    const listed = '1 Corner Shop ¥5.00\n2 Tea House ¥12.50';

    it('a bare PIN – when two requests wait – confirms none, lists both and asks for the number with the PIN', async () => {
      const t = talk({ waiting: both });
      expect(await t.sms(PIN)).to.deep.equal([
        `2 payment requests wait, so a PIN alone pays none. Reply the number and your PIN ("n PIN") to pay one:\n${listed}`,
      ]);
      expect(t.requests).to.have.length(0);
      expect(t.context().pin).to.equal(null);
      expect(t.state()).to.deep.equal({ ready: 'idle' });
      const zh = talk({ locale: 'zh-CN', waiting: both });
      expect(await zh.sms(PIN)).to.deep.equal([
        `您有2笔支付请求待确认,只回复密码不会支付任何一笔。请回复“编号 支付密码”确认其中一笔:\n${listed}`,
      ]);
      expect(zh.requests).to.have.length(0);
    });

    it('2 and the PIN – when two requests wait – confirms request 2 only, with that PIN, and forgets the PIN', async () => {
      const t = talk({ waiting: both });
      expect(await t.sms(`2 ${PIN}`)).to.deep.equal(['You paid ¥12.50 to Tea House. Balance ¥82.50.']);
      expect(t.requests).to.deep.equal([
        { type: 'payment.confirm', input: { msisdn: MSISDN, holdId: '43', pin: PIN } },
      ]);
      expect(t.context()).to.include({ pin: null, requestNo: null, request: null });
      expect(t.persisted()).not.to.include(PIN);
    });

    it('1 and the PIN in full width – when only request 1 waits – confirms it', async () => {
      const t = talk({ locale: 'zh-CN', waiting: [REQUEST] });
      expect(await t.sms('１　１３５７９０')).to.deep.equal(['已向Corner Shop支付¥5.00,余额¥82.50。']);
      expect(t.requests).to.deep.equal([
        { type: 'payment.confirm', input: { msisdn: MSISDN, holdId: '42', pin: PIN } },
      ]);
    });

    it('3 and the PIN – when no request 3 waits – runs nothing and lists those that do', async () => {
      const t = talk({ waiting: both });
      expect(await t.sms(`3 ${PIN}`)).to.deep.equal([
        `No payment request 3 waits. Reply the number and your PIN ("n PIN") to pay one of these:\n${listed}`,
      ]);
      expect(t.requests).to.have.length(0);
      const zh = talk({ locale: 'zh-CN', waiting: [SECOND] });
      expect(await zh.sms(`1 ${PIN}`)).to.deep.equal([
        '没有编号为1的支付请求。请回复“编号 支付密码”确认以下其中一笔:\n2 Tea House ¥12.50',
      ]);
      expect(zh.context().pin).to.equal(null);
    });

    it('2 and the PIN – when nothing waits – says nothing waits for a PIN', async () => {
      const t = talk();
      expect(await t.sms(`2 ${PIN}`)).to.deep.equal([
        'Nothing waits for a PIN. To pay: ZF merchant amount. Help: BZ.',
      ]);
      expect(t.requests).to.have.length(0);
    });

    it('2 and a wrong PIN – tells the attempts left and asks for 2 and the PIN again, keeping no PIN', async () => {
      const wrong = () => refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left');
      const t = talk({ waiting: both, respond: wrong });
      expect(await t.sms('2 246813')).to.deep.equal([
        'Wrong PIN. 2 attempt(s) left. Reply "2 PIN" with your 6-digit PIN, or "QX 2" to decline.',
      ]);
      const zh = talk({ locale: 'zh-CN', waiting: both, respond: wrong });
      expect(await zh.sms('2 246813')).to.deep.equal([
        '支付密码错误,还可尝试2次。请回复“2 支付密码”,或回复“QX 2”取消。',
      ]);
      expect(zh.persisted()).not.to.include('246813');
    });

    it('QX 1 – when two requests wait – declines request 1 only', async () => {
      const t = talk({ waiting: both });
      expect(await t.sms('QX 1')).to.deep.equal([
        'You declined the request of ¥5.00 from Corner Shop; the held money is free again.',
      ]);
      expect(t.requests).to.deep.equal([
        { type: 'payment.decline', input: { msisdn: MSISDN, holdId: '42' } },
      ]);
    });

    it('QX – when two requests wait – declines none, lists both and asks for QX with the number', async () => {
      const t = talk({ waiting: both });
      expect(await t.sms('QX')).to.deep.equal([
        `2 payment requests wait. Reply "QX n" to decline request n:\n${listed}`,
      ]);
      expect(t.requests).to.have.length(0);
      const zh = talk({ locale: 'zh-CN', waiting: both });
      expect(await zh.sms('取消')).to.deep.equal([
        `您有2笔支付请求待确认。请回复“QX 编号”取消其中一笔:\n${listed}`,
      ]);
    });

    it('QX 3 – when no request 3 waits – declines nothing and lists those that do', async () => {
      const t = talk({ waiting: both });
      expect(await t.sms('QX 3')).to.deep.equal([
        `No payment request 3 waits. Reply "QX n" to decline one of these:\n${listed}`,
      ]);
      expect(t.requests).to.have.length(0);
    });

    it('QX – while a payment of this conversation waits for its PIN – cancels the payment and declines no request', async () => {
      const t = talk({ waiting: both });
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('QX')).to.deep.equal(['Cancelled. Nothing was changed.']);
      expect(t.lookups).to.have.length(0);
      expect(t.requests).to.have.length(0);
    });

    it('QX 2 – while a payment waits for its PIN – declines request 2 and says the payment is cancelled', async () => {
      const t = talk({ waiting: both });
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('QX 2')).to.deep.equal([
        'You declined the request of ¥12.50 from Tea House; the held money is free again. Your earlier request was cancelled.',
      ]);
      expect(t.requests).to.deep.equal([
        { type: 'payment.decline', input: { msisdn: MSISDN, holdId: '43' } },
      ]);
      expect(t.context().pending).to.equal(null);
    });

    it('1 and the PIN – while a transfer waits for its PIN – pays request 1, not the transfer, and says the transfer is cancelled', async () => {
      const t = talk({ waiting: both });
      await t.sms('ZZ 13900139000 5');
      expect(await t.sms(`1 ${PIN}`)).to.deep.equal([
        'You paid ¥5.00 to Corner Shop. Balance ¥82.50. Your earlier request was cancelled.',
      ]);
      expect(t.requests.map((r) => r.type)).to.deep.equal(['payment.confirm']);
    });

    it('a bare PIN – while closing waits for A and two requests wait – lists them and says the close is cancelled', async () => {
      const t = talk({ waiting: both });
      await t.sms('XH');
      expect(await t.sms(PIN)).to.deep.equal([
        `2 payment requests wait, so a PIN alone pays none. Reply the number and your PIN ("n PIN") to pay one:\n${listed}\nYour earlier request was cancelled.`,
      ]);
      expect(t.requests).to.have.length(0);
      expect(t.context().pending).to.equal(null);
    });

    it('QX 1 and 1 with the PIN – from a user with no wallet – run nothing', async () => {
      const t = talk({ registered: false, waiting: both });
      expect(await t.sms('QX 1')).to.deep.equal(['Nothing to cancel.']);
      expect(await t.sms(`1 ${PIN}`)).to.deep.equal(['You have no wallet yet. Text KT to open one.']);
      expect(t.lookups).to.have.length(0);
    });
  });

  describe('a new keyword while something is pending', () => {
    it('ZF then ZZ – replaces the payment by the transfer and the PIN goes to the transfer', async () => {
      const t = talk();
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('ZZ 13900139000 5')).to.deep.equal([
        'Send ¥5.00 to 13900139000? Reply with your 6-digit PIN to confirm, QX to cancel.',
      ]);
      await t.sms(PIN);
      expect(t.requests.map((r) => r.type)).to.deep.equal(['transfer']);
    });

    it('ZF then YE – answers the balance, says the payment is cancelled, and a later PIN pays nothing', async () => {
      const t = talk({ locale: 'zh-CN' });
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('YE')).to.deep.equal(['余额¥87.50,可用¥80.00。之前待确认的操作已取消。']);
      expect(t.state()).to.deep.equal({ ready: 'idle' });
      await t.sms(PIN);
      expect(t.requests.map((r) => r.type)).to.deep.equal(['balance']);
      expect(t.lookups).to.have.length(1);
    });

    it('XH then ZF – a later A does not close; KT drops the payment with a note', async () => {
      const t = talk();
      await t.sms('XH');
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('A')).to.deep.equal(['Reply with your 6-digit PIN, or QX to cancel.']);
      expect(await t.sms('KT')).to.deep.equal([
        'You already have a mobile wallet. Send BZ for help. Your earlier request was cancelled.',
      ]);
      expect(t.requests).to.have.length(0);
      expect(t.context().pending).to.equal(null);
    });

    it('XH then a bare PIN – the PIN goes to the waiting merchant request and the close is dropped', async () => {
      const t = talk({ waiting: [REQUEST] });
      await t.sms('XH');
      expect(await t.sms(PIN)).to.deep.equal([
        'You paid ¥5.00 to Corner Shop. Balance ¥82.50. Your earlier request was cancelled.',
      ]);
      expect(t.requests.map((r) => r.type)).to.deep.equal(['payment.confirm']);
    });

    it('BZ, a typo or gibberish – while a payment waits – answers and keeps the payment waiting', async () => {
      const t = talk();
      await t.sms('ZF 2001 12.5');
      expect(await t.sms('BZ')).to.deep.equal([HELP_EN]);
      expect(await t.sms('ZZ 139 5')).to.deep.equal([
        'Bad mobile number. Transfer: ZZ mobile amount, e.g. ZZ 13900139000 5',
      ]);
      expect(await t.sms('what?')).to.deep.equal([HELP_EN]);
      expect(t.state()).to.deep.equal({ ready: 'awaitingPayPin' });
    });
  });

  describe('texts that are not commands', () => {
    it('an invalid command – replies what is wrong and the usage line; unknown text – the help', async () => {
      const t = talk({ locale: 'zh-CN' });
      expect(await t.sms('ZF 2001 12.345')).to.deep.equal([
        '金额有误,须大于0且最多两位小数。支付格式:ZF 商户号 金额,如 ZF 2001 12.50',
      ]);
      expect(await t.sms('你好')).to.deep.equal([HELP_ZH]);
      expect(await t.sms('')).to.deep.equal([HELP_ZH]);
      expect(t.requests).to.have.length(0);
    });
  });

  describe('the journeys it runs (the same machines as the menus)', () => {
    it('ZF – while the PIN is awaited – the saved conversation holds the pay journey at its PIN, and no PIN after a wrong one', async () => {
      const t = talk({ respond: () => refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left') });
      await t.sms('ZF 2001 12.5');
      const saved = JSON.parse(t.persisted());
      expect(saved.children.journey).to.include({ src: 'pay' });
      expect(saved.children.journey.snapshot).to.include({ value: 'pin' });
      expect(saved.children.journey.snapshot.context).to.include({ merchant: '2001', amount: '1250' });
      await t.sms('246813');
      expect(JSON.parse(t.persisted()).children.journey.snapshot).to.include({ value: 'pin' });
      expect(t.persisted()).not.to.include('246813');
    });

    it('a payment – when it ends – leaves no journey in the conversation', async () => {
      const t = talk();
      await t.sms('ZF 2001 12.5');
      await t.sms(PIN);
      expect(JSON.parse(t.persisted()).children).to.deep.equal({});
    });

    it('GM – when the current PIN is wrong – says the attempts left, keeps nothing pending and neither PIN', async () => {
      const t = talk({ respond: () => refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left') });
      expect(await t.sms('GM 123456 246813')).to.deep.equal(['Wrong PIN. 2 attempt(s) left.']);
      expect(t.requests).to.deep.equal([
        { type: 'pin.change', input: { msisdn: MSISDN, oldPin: '123456', newPin: '246813' } },
      ]);
      expect(t.state()).to.deep.equal({ ready: 'idle' });
      expect(t.context().pending).to.equal(null);
      expect(t.persisted()).not.to.include('123456');
      expect(t.persisted()).not.to.include('246813');
    });

    it('GM – when the ledger finds the new PIN too simple – replies its rule and changes nothing', async () => {
      const t = talk({ locale: 'zh-CN', respond: () => refused('pin_format') });
      expect(await t.sms('改密 123456 111111')).to.deep.equal(['支付密码须为6位数字,不能全部相同或连续。']);
      expect(t.requests).to.have.length(1);
    });

    it('DJ 7 then JD – run the freeze and unfreeze journeys, the keyword confirming the freeze', async () => {
      const t = talk();
      await t.sms('DJ 7');
      await t.sms('JD 654321');
      expect(t.requests).to.deep.equal([
        { type: 'account.freeze', input: { msisdn: MSISDN, days: 7 } },
        { type: 'account.unfreeze', input: { msisdn: MSISDN, pin: '654321' } },
      ]);
    });

    it('KT then 确认 – when the agreement went out in English – opens the wallet in Chinese and says so in Chinese', async () => {
      const t = talk({ registered: false, locale: 'en' });
      await t.sms('KT');
      expect(await t.sms('确认')).to.deep.equal([
        '钱包已开通,初始登录密码和支付密码已另行短信发送,请尽快发GM修改支付密码。',
      ]);
      expect(t.requests).to.deep.equal([
        { type: 'account.open', input: { msisdn: MSISDN, locale: 'zh-CN', channel: 'sms' } },
      ]);
    });

    it('a journey that fails – says the service is busy, keeps nothing pending and runs nothing', async () => {
      const requests: CommandRequest[] = [];
      const machine = bindSms(
        fromPromise<CommandResult, CommandRequest>(async ({ input }) => {
          requests.push(input);
          return ledger(input);
        }),
        fromPromise<PaymentRequestView[], { msisdn: string }>(async () => []),
      );
      const actor = createActor(machine, {
        inspect: recordStates,
        input: { msisdn: MSISDN, locale: 'en', registered: true },
      }).start();
      // Not what the grammar makes (its amounts are fen): the pay journey cannot start on it.
      actor.send({ type: 'SMS', intent: { kind: 'pay', merchant: '2001', amount: 'twelve' } });
      const s = await waitFor(actor, (snap) => !snap.hasTag(BUSY));
      expect((s.context as SmsContext).replies).to.deep.equal([
        'The service is busy. Please try again later.',
      ]);
      expect((s.context as SmsContext).pending).to.equal(null);
      expect(s.value).to.deep.equal({ ready: 'idle' });
      expect(requests).to.deep.equal([]);
      actor.stop();
    });
  });

  describe('the checks every conversation makes', () => {
    it('a reply – over 160 GSM or 70 UCS2 characters – throws naming it; at the limit, or the help – passes', () => {
      expect(() => expectFitsOneSms('x'.repeat(160))).not.to.throw();
      expect(() => expectFitsOneSms('余'.repeat(70))).not.to.throw();
      expect(() => expectFitsOneSms(HELP_ZH)).not.to.throw();
      expect(() => expectFitsOneSms('x'.repeat(161))).to.throw(
        `a reply does not fit one SMS (161 > 160): ${'x'.repeat(161)}`,
      );
      expect(() => expectFitsOneSms(`${'x'.repeat(70)}余`)).to.throw(
        `a reply does not fit one SMS (71 > 70): ${'x'.repeat(70)}余`,
      );
    });

    it('the one state coverage check (state-coverage.test.ts) – counts the SMS machine’s states too', () => {
      expect(Object.values(flows)).to.include(smsMachine);
      expect(stateIds(smsMachine)).to.include.members([
        'sms.ready.idle',
        'sms.ready.awaitingOpen',
        'sms.ready.awaitingPayPin',
        'sms.ready.awaitingTransferPin',
        'sms.ready.awaitingClose',
        'sms.opening',
        'sms.paying',
        'sms.transferring',
        'sms.closing',
        'sms.running',
        'sms.confirmingRequest.finding',
        'sms.confirmingRequest.confirming',
        'sms.decliningRequest.finding',
        'sms.decliningRequest.declining',
      ]);
    });
  });
});

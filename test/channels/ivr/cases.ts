/**
 * The IVR, case by case (INTERFACES §5): a caller rings (`/ivr/voice`), then presses keys, each press
 * posted where the last TwiML's `<Gather>` says (silence: where its `<Redirect>` says), every request
 * signed with the `twilio` package's own helper. Each reply is what the caller hears, every `<Say>` in
 * order, and whether the call then hangs up; `effect` checks the effect in the real ledger (and, for
 * the opening, over the SMPP test server).
 */
import { randomInt } from 'node:crypto';
import { type IvrInbound, ivrRoutes, type IvrRaw } from '../../../src/channels/ivr/index.js';
import { walletCode } from '../../../src/ledger/codes.js';
import { sessionBusy } from '../../../src/sessions/session-runtime.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import type { Harness } from '../../helpers/harness.js';
import { newMsisdn } from '../../helpers/harness.js';
import { waitFor, walletBalance } from '../../helpers/ledger.js';
import type { TestSmsc } from '../../helpers/smsc.js';
import { PUBLIC_URL, SILENCE, type Keys, TWILIO_TOKEN, TwilioCall } from '../../helpers/twilio-call.js';
import { startServer, type TestServer } from '../../integration/ops/server.js';
import type { ConformanceCases } from '../conformance.js';

export interface IvrWorld {
  h: Harness;
  smsc: TestSmsc;
  server: TestServer;
  /** The caller (an MSISDN with a wallet of ¥100.00 unless the case opens none). */
  user: string;
  /** Another wallet, for transfers. */
  other: string;
  /** A recharge card of ¥50.00. */
  card: { serial: string; pin: string };
  /** A merchant code of digits only (a keypad has no letters): "Corner Shop". */
  merchant: string;
}

/** A step: the keys pressed (none for the call arriving), what the caller hears, and whether it hangs up. */
export type IvrStep = [keys: Keys | 'ring', said: string, ends?: 'hangs up'];

export interface IvrCase {
  name: string;
  /** The caller has no wallet. */
  stranger?: boolean;
  given?: (w: IvrWorld) => Promise<void>;
  steps: (w: IvrWorld) => IvrStep[];
  effect?: (w: IvrWorld, call: TwilioCall) => Promise<void>;
}

export const MENU =
  'Mobile wallet. For balance, press 1. For top up, press 2. For pay, press 3. For transfer, press 4. For last transactions, press 5. For my account, press 6. For help, press 9. For exit, press 0.';
export const MENU_ZH =
  '手机钱包。余额请按1。充值请按2。支付请按3。转账请按4。明细请按5。账户请按6。帮助请按9。退出请按0。';
/** The English account menu: its 中文 offered in Mandarin, by the Mandarin voice. */
export const ACCOUNT =
  'My account. For change PIN, press 1. For freeze, press 2. For unfreeze, press 3. For close wallet, press 4. 中文请按5。 For back, press 0.';
export const PIN = '135790'; // the harness's TEST_PIN
export const NEW_PIN = '582047';
export const WRONG_PIN = '246813';
const AMOUNT_HINT = 'then press the pound key. For a decimal point, press star.';

/** A national number read digit by digit, as the speech reads phone numbers. */
export const digits = (msisdn: string) => msisdn.slice(2).split('').join(' ');

const MONTHS = 'January February March April May June July August September October November December';
/** Today in UTC as the spoken statement says it (`December 1`). */
function spokenToday(): string {
  const now = new Date();
  return `${MONTHS.split(' ')[now.getUTCMonth()]} ${now.getUTCDate()}`;
}

/** The journeys of §5, one call each. */
export const ivrCases: IvrCase[] = [
  {
    name: 'balance – 1 – says the balance in words and hangs up',
    steps: () => [
      ['ring', MENU],
      ['1', 'Balance one hundred yuan, available one hundred yuan.', 'hangs up'],
    ],
  },
  {
    name: 'statement – 5 – says the last transactions as sentences',
    steps: () => [
      ['ring', MENU],
      ['5', `Last transactions: ${spokenToday()}, in one hundred yuan, bank_cle.`, 'hangs up'],
    ],
  },
  {
    name: 'top up – 2, card number #, card PIN # – credits the card once',
    steps: (w) => [
      ['ring', MENU],
      ['2', 'Enter the recharge card number, then press the pound key.'],
      [w.card.serial, 'Enter the card PIN, then press the pound key.'],
      [w.card.pin, 'You topped up fifty yuan. Balance one hundred fifty yuan.', 'hangs up'],
    ],
    effect: async (w) => expectBalance(w, w.user, 15_000n),
  },
  {
    name: 'pay – 3, merchant #, 12*5 #, PIN # – reads ¥12.50 back in words before the PIN and pays 1250 fen',
    steps: (w) => [
      ['ring', MENU],
      ['3', 'Enter the merchant code, then press the pound key.'],
      [w.merchant, `Pay ${w.merchant}. Enter the amount in yuan, ${AMOUNT_HINT}`],
      ['12*5', `Pay twelve yuan fifty to ${w.merchant}. Enter your 6-digit PIN, then press the pound key.`],
      [PIN, 'You paid twelve yuan fifty to Corner Shop. Balance eighty seven yuan fifty.', 'hangs up'],
    ],
    effect: async (w) => expectBalance(w, w.user, 8_750n),
  },
  {
    name: 'pay in Mandarin – the profile says zh-CN – 十二元五角 before the PIN',
    given: async (w) => {
      await w.h.run('account.locale', { msisdn: w.user, locale: 'zh-CN' });
    },
    steps: (w) => [
      ['ring', MENU_ZH],
      ['3', '请输入商户编号,以井号键结束。'],
      [w.merchant, `向${w.merchant}支付,请输入金额(元),以井号键结束。小数点请按星号键。`],
      ['12*5', `向${w.merchant}支付十二元五角,请输入6位支付密码,以井号键结束。`],
      [PIN, '已向Corner Shop支付十二元五角,余额八十七元五角。', 'hangs up'],
    ],
    effect: async (w) => expectBalance(w, w.user, 8_750n),
  },
  {
    name: 'transfer – 4, number #, 5 #, PIN # – moves 500 fen; the number is read digit by digit',
    steps: (w) => [
      ['ring', MENU],
      ['4', 'Enter the mobile number to send to, then press the pound key.'],
      [w.other.slice(2), `Send to ${digits(w.other)}. Enter the amount in yuan, ${AMOUNT_HINT}`],
      ['5', `Send five yuan to ${digits(w.other)}. Enter your 6-digit PIN, then press the pound key.`],
      [PIN, `You sent five yuan to ${digits(w.other)}. Balance ninety five yuan.`, 'hangs up'],
    ],
    effect: async (w) => {
      await expectBalance(w, w.user, 9_500n);
      await expectBalance(w, w.other, 500n);
    },
  },
  {
    name: 'change PIN – 6 1, old, new, new again – the new PIN pays afterwards',
    steps: () => [
      ['ring', MENU],
      ['6', ACCOUNT],
      ['1', 'Enter your current 6-digit PIN, then press the pound key.'],
      [PIN, 'Enter a new 6-digit PIN, then press the pound key.'],
      [NEW_PIN, 'Enter the new PIN again, then press the pound key.'],
      [NEW_PIN, 'Your payment PIN is changed.', 'hangs up'],
    ],
    effect: async (w) => {
      const paid = await w.h.run('payment', {
        msisdn: w.user,
        merchant: w.merchant,
        amount: '100',
        pin: NEW_PIN,
      });
      if (!paid.ok) throw new Error(`the new PIN does not pay: ${JSON.stringify(paid)}`);
    },
  },
  {
    name: 'freeze – 6 2, 0 # (until unfrozen: an answer, not back), 1 – freezes the wallet',
    steps: () => [
      ['ring', MENU],
      ['6', ACCOUNT],
      ['2', 'Freeze for how many days (1-365)? 0 = until you unfreeze it, then press the pound key.'],
      [
        '0',
        'Freeze your wallet until you unfreeze it? No transactions meanwhile. For confirm, press 1. For cancel, press 2.',
      ],
      ['1', 'Your wallet is frozen. To unfreeze: My account, Unfreeze.', 'hangs up'],
    ],
    effect: async (w) => expectStatus(w, 'frozen'),
  },
  {
    name: 'unfreeze – 6 3, PIN # – unfreezes a frozen wallet',
    given: async (w) => {
      await w.h.run('account.freeze', { msisdn: w.user });
    },
    steps: () => [
      ['ring', MENU],
      ['6', ACCOUNT],
      ['3', 'Unfreeze your wallet. Enter your 6-digit PIN, then press the pound key.'],
      [PIN, 'Your wallet is unfrozen and ready to use.', 'hangs up'],
    ],
    effect: async (w) => expectStatus(w, 'active'),
  },
  {
    name: 'close – 6 4, 1 – closes an empty wallet',
    given: async (w) => {
      await w.h.run('transfer', { msisdn: w.user, to: w.other, amount: '10000', pin: PIN });
    },
    steps: () => [
      ['ring', MENU],
      ['6', ACCOUNT],
      [
        '4',
        'Close your wallet? You will no longer be able to use it. For confirm, press 1. For cancel, press 2.',
      ],
      ['1', 'Your wallet is closed. Thank you for using it.', 'hangs up'],
    ],
    effect: async (w) => expectStatus(w, 'closed'),
  },
  {
    name: 'language switch – 6 5 – the menu in Mandarin, and the balance said in Chinese words',
    steps: () => [
      ['ring', MENU],
      ['6', ACCOUNT],
      ['5', `已切换为中文。${MENU_ZH}`],
      ['1', '余额一百元,可用一百元。', 'hangs up'],
    ],
    effect: async (w) => {
      const user = await w.h.db('users').where({ msisdn: w.user }).first('locale');
      if (user?.locale !== 'zh-CN') throw new Error(`the profile says ${user?.locale}`);
    },
  },
  {
    name: 'open – a stranger, 1 – the agreement comes by SMS; the SMS A opens the wallet',
    stranger: true,
    steps: () => [
      ['ring', 'Mobile wallet (not opened yet). For open a wallet, press 1. For exit, press 0.'],
      [
        '1',
        'The terms come to you by SMS now. Reply A to that SMS to open your wallet. Thank you for calling.',
        'hangs up',
      ],
    ],
    effect: async (w) => {
      const to = () => w.smsc.messages.filter((m) => m.destination === w.user);
      await waitFor(async () => to().length >= 1, 20_000);
      const [agreement] = to();
      if (!/Reply A/.test(agreement.text)) throw new Error(`not the agreement: ${agreement.text}`);
      // No wallet yet: the call only asked.
      if (await w.h.db('users').where({ msisdn: w.user }).first()) throw new Error('opened before the A');
      const answer = await w.smsc.mo(w.user, 'A');
      if (answer.commandStatus !== 0) throw new Error(`deliver_sm_resp ${answer.commandStatus}`);
      await waitFor(async () => Boolean(await w.h.db('users').where({ msisdn: w.user }).first()), 20_000);
      await expectStatus(w, 'active');
      // The passwords follow by SMS.
      await waitFor(async () => to().some((m) => /\d{6}/.test(m.text)), 20_000);
    },
  },
  {
    name: 'silence twice – the prompt again after the first, then a polite goodbye and a hang-up',
    steps: () => [
      ['ring', MENU],
      [SILENCE, `Sorry, I did not hear a key. ${MENU}`],
      [SILENCE, 'We did not hear a key. Thank you for calling. Goodbye.', 'hangs up'],
    ],
    effect: async (w, call) => {
      if ((await w.h.redis.keys(`${w.h.config.redisPrefix}:session:ivr:${call.callSid}`)).length > 0)
        throw new Error('the session outlived the call');
    },
  },
  {
    name: 'star – repeats the prompt, sends nothing to the flow, and the journey goes on',
    steps: (w) => [
      ['ring', MENU],
      ['*', MENU],
      ['3', 'Enter the merchant code, then press the pound key.'],
      ['*', 'Enter the merchant code, then press the pound key.'],
      [w.merchant, `Pay ${w.merchant}. Enter the amount in yuan, ${AMOUNT_HINT}`],
      ['*', `Pay ${w.merchant}. Enter the amount in yuan, ${AMOUNT_HINT}`],
      ['1', `Pay one yuan to ${w.merchant}. Enter your 6-digit PIN, then press the pound key.`],
      [PIN, 'You paid one yuan to Corner Shop. Balance ninety nine yuan.', 'hangs up'],
    ],
    effect: async (w) => expectBalance(w, w.user, 9_900n),
  },
  {
    name: 'wrong PIN three times – asked again with the attempts left, then payments lock; nothing paid',
    steps: (w) => [
      ['ring', MENU],
      ['3', 'Enter the merchant code, then press the pound key.'],
      [w.merchant, `Pay ${w.merchant}. Enter the amount in yuan, ${AMOUNT_HINT}`],
      ['1', `Pay one yuan to ${w.merchant}. Enter your 6-digit PIN, then press the pound key.`],
      [WRONG_PIN, 'Wrong PIN. 2 attempt(s) left. Enter your 6-digit PIN again, then press the pound key.'],
      [WRONG_PIN, 'Wrong PIN. 1 attempt(s) left. Enter your 6-digit PIN again, then press the pound key.'],
      [WRONG_PIN, 'Too many wrong PINs: payments are locked for now.', 'hangs up'],
    ],
    effect: async (w) => expectBalance(w, w.user, 10_000n),
  },
];

/** A merchant code a keypad can type. */
export const digitMerchant = () => String(randomInt(100_000, 999_999));

export async function expectBalance(w: Pick<IvrWorld, 'h'>, msisdn: string, fen: bigint) {
  const balance = await walletBalance(w.h, msisdn);
  if (balance !== fen) throw new Error(`${msisdn} holds ${balance} fen, not ${fen}`);
}

async function expectStatus(w: IvrWorld, status: string) {
  const row = await w.h
    .db('accounts')
    .where({ kind: 'wallet', code: walletCode(w.user) })
    .first('status');
  if (row?.status !== status) throw new Error(`${w.user} is ${row?.status}, not ${status}`);
}

const SID = 'CA0123456789abcdef0123456789abcdef';
/** An expected `Inbound`, with where in the call it stands. */
const inbound = (value: IvrInbound) => value;
const form = (extra: Record<string, string>) => ({ CallSid: SID, From: '+8613800138000', ...extra });

/** What the conformance suite reads of the IVR. */
export const conformance: ConformanceCases<IvrRaw> = {
  inbound: [
    {
      name: 'a call arriving',
      raw: { body: form({ CallStatus: 'ringing' }), url: '/ivr/voice' },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SID,
        input: { type: 'TEXT', text: '' },
        nav: 'repeat',
        request: '0:',
        step: 0,
        silence: 0,
        ended: false,
      }),
    },
    {
      name: 'an amount with * as its decimal point, from a national number',
      raw: { body: { ...form({ Digits: '12*5' }), From: '13800138000' }, url: '/ivr/step/4' },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SID,
        input: { type: 'TEXT', text: '12.5' },
        request: '4:12*5',
        step: 4,
        silence: 0,
        ended: false,
      }),
    },
    {
      name: '* alone – repeat',
      raw: { body: form({ Digits: '*' }), url: '/ivr/step/2' },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SID,
        input: { type: 'TEXT', text: '*' },
        nav: 'repeat',
        request: '2:*',
        step: 2,
        silence: 0,
        ended: false,
      }),
    },
    {
      name: 'the second silence',
      raw: { body: form({}), url: '/ivr/step/3?silence=2' },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SID,
        input: { type: 'TEXT', text: '' },
        nav: 'repeat',
        request: '3:silence',
        step: 3,
        silence: 2,
        ended: false,
      }),
    },
    {
      name: 'the call completed',
      raw: { body: form({ CallStatus: 'completed' }), url: '/ivr/status' },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SID,
        input: { type: 'TEXT', text: '' },
        nav: 'repeat',
        request: '0:',
        step: 0,
        silence: 0,
        ended: true,
      }),
    },
    {
      name: 'a withheld number',
      raw: { body: { ...form({}), From: 'anonymous' }, url: '/ivr/voice' },
      expect: { rejected: 'From is not a mobile number', status: 400 },
    },
    {
      name: 'no CallSid',
      raw: { body: { From: '+8613800138000' }, url: '/ivr/voice' },
      expect: { rejected: 'CallSid is missing', status: 400 },
    },
    {
      name: 'letters in Digits',
      raw: { body: form({ Digits: '12abc' }), url: '/ivr/step/1' },
      expect: { rejected: 'Digits holds more than keypad keys', status: 400 },
    },
  ],
  sendErrors: [
    {
      name: 'the session busy with the step a retry raced',
      error: sessionBusy('ivr', SID),
      retryable: true,
      throttled: false,
    },
    { name: 'a bug', error: new TypeError('x is undefined'), retryable: false, throttled: false },
  ],
  rendered: {
    'a menu': [
      'Mobile wallet. For balance, press 1. For top up, press 2. For pay, press 3. For transfer, press 4. For last transactions, press 5. For my account, press 6. For help, press 7. For exit, press 0.',
    ],
    'a Chinese menu': ['手机钱包。余额请按1。退出请按0。'],
    'a PIN prompt': ['Enter your 6-digit PIN, then press the pound key.'],
    'a final message': ['You paid twelve yuan fifty to Corner Shop. Balance eighty seven yuan fifty.'],
    'a message that goes on': ['Noted.'],
    'a long English list': [
      'Last transactions: December 1, out ten yuan fifty, Corner Shop. December 2, out eleven yuan fifty, Corner Shop. December 3, out twelve yuan fifty, Corner Shop. December 4, out thirteen yuan fifty, Corner Shop. December 5, out fourteen yuan fifty, Corner Shop. December 6, out fifteen yuan fifty, Corner Shop. December 7, out sixteen yuan fifty, Corner Shop. December 8, out seventeen yuan fifty, Corner Shop. December 9, out eighteen yuan fifty, Corner Shop. December 10, out nineteen yuan fifty, Corner Shop. December 11, out one hundred ten yuan fifty, Corner Shop. December 12, out one hundred eleven yuan fifty, Corner Shop.',
    ],
    // The list's own 元 after each amount stays: the speech adds words, it drops none.
    'a long Chinese list': [
      '最近交易:12-01 向街角小店支付十元五角元。12-02 向街角小店支付十一元五角元。12-03 向街角小店支付十二元五角元。12-04 向街角小店支付十三元五角元。12-05 向街角小店支付十四元五角元。12-06 向街角小店支付十五元五角元。12-07 向街角小店支付十六元五角元。12-08 向街角小店支付十七元五角元。12-09 向街角小店支付十八元五角元。',
    ],
    'one line longer than any page': [`${'支付'.repeat(120)}。`],
  },
  async replay(h) {
    const deps = channelDepsOf(h);
    const config = { ...deps.config, twilioAuthToken: TWILIO_TOKEN, publicUrl: PUBLIC_URL };
    const server = await startServer(h, { routers: [ivrRoutes({ ...deps, config })] });
    try {
      const msisdn = await h.openWallet(newMsisdn(), 10_000n);
      const merchant = digitMerchant();
      await h.merchant(merchant, 'Corner Shop');
      const call = new TwilioCall(server, msisdn);
      await call.start();
      for (const keys of ['3', merchant, '1']) await call.press(keys);
      const { url, params } = call.next(PIN);
      const replies: string[] = [];
      for (let i = 0; i < 2; i++) {
        await call.resend(url, params);
        replies.push(call.lastReply?.text ?? '');
      }
      const answers = replies as [string, string];
      const effects = (
        await h.db('commands').where('key', 'like', `ivr:${call.callSid}:%`).where({ type: 'payment' })
      ).length;
      return { answers, effects };
    } finally {
      await server.close();
    }
  },
};

/**
 * The SIM Toolkit, case by case (INTERFACES §6): the user picks an item of the SIM's menu (a MENU
 * SELECTION), then answers each proactive command. Every case runs twice, once with the JSON events and
 * once with the TLV a SIM sends (envelopes and terminal responses), and each reply is what the phone
 * shows (`shown` in stk-phone.ts); `effect` checks the effect in the real ledger.
 */
import { randomUUID } from 'node:crypto';
import { type StkInbound, type StkRaw, stkRoutes } from '../../../src/channels/stk/index.js';
import { walletCode } from '../../../src/ledger/codes.js';
import { pendingPaymentRequests } from '../../../src/ledger/user-profile.js';
import { sessionBusy } from '../../../src/sessions/session-runtime.js';
import { type ChannelRig, channelDepsOf } from '../../helpers/channel-rig.js';
import { newMsisdn } from '../../helpers/harness.js';
import { walletBalance } from '../../helpers/ledger.js';
import { startServer } from '../../integration/ops/server.js';
import type { ConformanceCases } from '../conformance.js';
import { type StkAction, StkPhone } from './stk-phone.js';

export interface StkWorld {
  rig: ChannelRig;
  /** The user (a wallet of ¥100.00 unless the case opens none). */
  user: string;
  /** Another wallet, for transfers. */
  other: string;
  /** A recharge card of ¥50.00. */
  card: { serial: string; pin: string };
  merchant: string;
}

export interface StkCase {
  name: string;
  stranger?: boolean;
  /** Back and help are terminal-response results: JSON has no event for them. */
  tlvOnly?: boolean;
  given?: (w: StkWorld) => Promise<void>;
  /** Runs before step `step` (0-based): what happens elsewhere while the session is open. */
  meanwhile?: { step: number; run: (w: StkWorld) => Promise<void> };
  steps: (w: StkWorld) => [action: StkAction, shown: string][];
  effect?: (w: StkWorld) => Promise<void>;
}

export const ROOT =
  'SELECT Mobile wallet | 1.Balance | 2.Top up | 3.Pay | 4.Transfer | 5.Last transactions | 6.My account';
/** Help, asked anywhere (result 13). */
export const HELP =
  'DISPLAY Menu: 1 balance, 2 top up, 3 pay, 4 transfer, 5 last transactions, 6 account. SMS to 10658888: YE balance, ZF pay, ZZ transfer, CZ top up, BZ help.';
export const ACCOUNT = 'SELECT My account | 1.Change PIN | 2.Freeze | 3.Unfreeze | 4.Close wallet | 5.中文';
export const PIN = '135790'; // the harness's TEST_PIN
export const NEW_PIN = '582047';
export const WRONG_PIN = '246813';
const PIN_PROMPT = (what: string) => `INPUT ${what} Enter your 6-digit PIN: [6-6 digits hidden]`;

/** `MM-DD` of today in UTC, as the statement writes the dates of its lines. */
const today = () => new Date().toISOString().slice(5, 10);

/** The journeys of §6, each started from the SIM's menu. */
export const stkCases: StkCase[] = [
  {
    name: 'balance – item 1 of the SIM menu – shows the balance; cleared, the session ends',
    steps: () => [
      [{ menu: 1 }, 'DISPLAY Balance ¥100.00, available ¥100.00.'],
      ['ok', 'END'],
    ],
  },
  {
    name: 'top up – item 2, card number, card PIN – credits the card once',
    steps: (w) => [
      [{ menu: 2 }, 'INPUT Enter the recharge card number: [8-20 digits]'],
      [{ input: w.card.serial }, 'INPUT Enter the card PIN: [4-12 digits hidden]'],
      [{ input: w.card.pin }, 'DISPLAY You topped up ¥50.00. Balance ¥150.00.'],
      ['ok', 'END'],
    ],
    effect: async (w) => expectBalance(w, w.user, 15_000n),
  },
  {
    name: 'pay – item 3, merchant, amount, PIN (hidden, digits) – pays 1250 fen',
    steps: (w) => [
      [{ menu: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      [{ input: w.merchant }, `INPUT Pay ${w.merchant}. Enter the amount in yuan: [1-12 text]`],
      [{ input: '12.5' }, PIN_PROMPT(`Pay ¥12.50 to ${w.merchant}.`)],
      [{ input: PIN }, 'DISPLAY You paid ¥12.50 to Corner Shop. Balance ¥87.50.'],
      ['ok', 'END'],
    ],
    effect: async (w) => expectBalance(w, w.user, 8_750n),
  },
  {
    name: 'transfer – item 4, number, amount, PIN – moves 500 fen to the other wallet',
    steps: (w) => [
      [{ menu: 4 }, 'INPUT Enter the mobile number to send to: [11-14 digits]'],
      [
        { input: w.other.slice(2) },
        `INPUT Send to ${w.other.slice(2)}. Enter the amount in yuan: [1-12 text]`,
      ],
      [{ input: '5' }, PIN_PROMPT(`Send ¥5.00 to ${w.other.slice(2)}.`)],
      [{ input: PIN }, `DISPLAY You sent ¥5.00 to ${w.other.slice(2)}. Balance ¥95.00.`],
    ],
    effect: async (w) => {
      await expectBalance(w, w.user, 9_500n);
      await expectBalance(w, w.other, 500n);
    },
  },
  {
    name: 'transactions – item 5 – shows the last transactions',
    steps: () => [[{ menu: 5 }, `DISPLAY Last transactions:\n${today()} +¥100.00 bank_cle`]],
  },
  {
    name: 'change PIN – item 6, 1, old, new, the same new again (two answers, not a retry) – the new PIN pays afterwards',
    steps: () => [
      [{ menu: 6 }, ACCOUNT],
      [{ select: 1 }, 'INPUT Enter your current 6-digit PIN: [6-6 digits hidden]'],
      [{ input: PIN }, 'INPUT Enter a new 6-digit PIN: [6-6 digits hidden]'],
      [{ input: NEW_PIN }, 'INPUT Enter the new PIN again: [6-6 digits hidden]'],
      [{ input: NEW_PIN }, 'DISPLAY Your payment PIN is changed.'],
      ['ok', 'END'],
    ],
    effect: async (w) => {
      const paid = await w.rig.h.run('payment', {
        msisdn: w.user,
        merchant: w.merchant,
        amount: '100',
        pin: NEW_PIN,
      });
      if (!paid.ok) throw new Error(`the new PIN does not pay: ${JSON.stringify(paid)}`);
    },
  },
  {
    name: 'freeze – item 6, 2, 0 days (until unfrozen), confirm – freezes the wallet',
    steps: () => [
      [{ menu: 6 }, ACCOUNT],
      [{ select: 2 }, 'INPUT Freeze for how many days (1-365)? 0 = until you unfreeze it: [0-3 digits]'],
      [
        { input: '0' },
        'SELECT Freeze your wallet until you unfreeze it? No transactions meanwhile. | 1.Confirm | 2.Cancel',
      ],
      [{ select: 1 }, 'DISPLAY Your wallet is frozen. To unfreeze: My account, Unfreeze.'],
    ],
    effect: async (w) => expectStatus(w, 'frozen'),
  },
  {
    name: 'unfreeze – item 6, 3, PIN – unfreezes a frozen wallet',
    given: async (w) => {
      await w.rig.h.run('account.freeze', { msisdn: w.user });
    },
    steps: () => [
      [{ menu: 6 }, ACCOUNT],
      [{ select: 3 }, PIN_PROMPT('Unfreeze your wallet.')],
      [{ input: PIN }, 'DISPLAY Your wallet is unfrozen and ready to use.'],
    ],
    effect: async (w) => expectStatus(w, 'active'),
  },
  {
    name: 'close – item 6, 4, confirm – closes an empty wallet',
    given: async (w) => {
      await w.rig.h.run('transfer', { msisdn: w.user, to: w.other, amount: '10000', pin: PIN });
    },
    steps: () => [
      [{ menu: 6 }, ACCOUNT],
      [
        { select: 4 },
        'SELECT Close your wallet? You will no longer be able to use it. | 1.Confirm | 2.Cancel',
      ],
      [{ select: 1 }, 'DISPLAY Your wallet is closed. Thank you for using it.'],
    ],
    effect: async (w) => expectStatus(w, 'closed'),
  },
  {
    name: 'open – a stranger, item 6 (account management), open, accept – opens a wallet',
    stranger: true,
    steps: () => [
      [{ menu: 6 }, 'SELECT Mobile wallet (not opened yet) | 1.Open a wallet'],
      [
        { select: 1 },
        'SELECT Open a wallet under our terms: one wallet per phone number, every change confirmed by SMS. Full terms: WAP page /wap/terms | 1.Accept | 2.Decline',
      ],
      [
        { select: 1 },
        'DISPLAY Your wallet is open. Your initial login password and payment PIN come by SMS; please change the PIN soon.',
      ],
    ],
    effect: async (w) => {
      await expectStatus(w, 'active');
      const sms = await w.rig.h.db('outbox').where({ msisdn: w.user }).pluck('reason');
      if (sms.length !== 1) throw new Error(`not one SMS with the password and PIN: ${sms.join(', ')}`);
    },
  },
  {
    name: 'merchant request waiting – the SIM menu opens on it, pay and the PIN – pays it',
    given: (w) => askToPay(w, '800'),
    steps: () => [
      [{ menu: 1 }, 'SELECT Corner Shop asks you to pay ¥8.00 | 1.Pay | 2.Decline'],
      [{ select: 1 }, PIN_PROMPT('Pay ¥8.00 to Corner Shop.')],
      [{ input: PIN }, 'DISPLAY You paid ¥8.00 to Corner Shop. Balance ¥92.00.'],
    ],
    effect: async (w) => expectBalance(w, w.user, 9_200n),
  },
  {
    name: 'back on a merchant’s request the session opened on (nothing behind it) – the request again; nothing paid or declined',
    tlvOnly: true,
    given: (w) => askToPay(w, '800'),
    steps: () => [
      [{ menu: 1 }, 'SELECT Corner Shop asks you to pay ¥8.00 | 1.Pay | 2.Decline'],
      ['back', 'SELECT Corner Shop asks you to pay ¥8.00 | 1.Pay | 2.Decline'],
      [{ select: 1 }, PIN_PROMPT('Pay ¥8.00 to Corner Shop.')],
      ['back', 'SELECT Corner Shop asks you to pay ¥8.00 | 1.Pay | 2.Decline'],
      ['end', 'END'],
    ],
    effect: async (w) => {
      await expectBalance(w, w.user, 10_000n);
      const waiting = (await pendingPaymentRequests(w.rig.h.db, w.user)).map((r) => r.amount);
      if (waiting.join() !== '800')
        throw new Error(`the requests waiting are ${waiting.join() || 'none'}, not ¥8.00`);
    },
  },
  {
    name: 'STK push – a request made while the session is open – shown at the next step instead of it, then paid',
    meanwhile: { step: 1, run: (w) => askToPay(w, '300') },
    steps: (w) => [
      [{ menu: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      // The merchant asks now (`meanwhile`): the phone's next step shows the confirmation.
      [{ input: w.merchant }, 'SELECT Corner Shop asks you to pay ¥3.00 | 1.Pay | 2.Decline'],
      [{ select: 1 }, PIN_PROMPT('Pay ¥3.00 to Corner Shop.')],
      [{ input: PIN }, 'DISPLAY You paid ¥3.00 to Corner Shop. Balance ¥97.00.'],
    ],
    effect: async (w) => expectBalance(w, w.user, 9_700n),
  },
  {
    name: 'wrong PIN – asked again with the attempts left, the right one then pays',
    steps: (w) => [
      [{ menu: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      [{ input: w.merchant }, `INPUT Pay ${w.merchant}. Enter the amount in yuan: [1-12 text]`],
      [{ input: '1' }, PIN_PROMPT(`Pay ¥1.00 to ${w.merchant}.`)],
      [
        { input: WRONG_PIN },
        'INPUT Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again: [6-6 digits hidden]',
      ],
      [{ input: PIN }, 'DISPLAY You paid ¥1.00 to Corner Shop. Balance ¥99.00.'],
    ],
    effect: async (w) => expectBalance(w, w.user, 9_900n),
  },
  {
    name: 'an empty PIN (a SIM holds GET INPUT to 6 digits; an OTA platform may not) – counted as a wrong one and asked again; the right one then pays',
    steps: (w) => [
      [{ menu: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      [{ input: w.merchant }, `INPUT Pay ${w.merchant}. Enter the amount in yuan: [1-12 text]`],
      [{ input: '1' }, PIN_PROMPT(`Pay ¥1.00 to ${w.merchant}.`)],
      [
        { input: '' },
        'INPUT Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again: [6-6 digits hidden]',
      ],
      [{ input: PIN }, 'DISPLAY You paid ¥1.00 to Corner Shop. Balance ¥99.00.'],
    ],
    effect: async (w) => expectBalance(w, w.user, 9_900n),
  },
  {
    name: 'end – the user ends on a prompt (JSON end, TLV result 10) – END, and nothing is paid',
    steps: (w) => [
      [{ menu: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      [{ input: w.merchant }, `INPUT Pay ${w.merchant}. Enter the amount in yuan: [1-12 text]`],
      ['end', 'END'],
    ],
    effect: async (w) => expectBalance(w, w.user, 10_000n),
  },
  {
    name: 'back – result 11 goes back a screen, and at the root it ends the session',
    tlvOnly: true,
    steps: (w) => [
      [{ menu: 6 }, ACCOUNT],
      ['back', ROOT],
      [{ select: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      [{ input: w.merchant }, `INPUT Pay ${w.merchant}. Enter the amount in yuan: [1-12 text]`],
      ['back', 'INPUT Enter the merchant code: [1-32 text]'],
      ['back', ROOT],
      ['back', 'DISPLAY Thank you. Goodbye.'],
      ['ok', 'END'],
    ],
    effect: async (w) => expectBalance(w, w.user, 10_000n),
  },
  {
    name: 'back on the first screen of an item chosen on the SIM menu – the root menu (the SIM menu is the root), never the key 0 as an answer',
    tlvOnly: true,
    steps: (w) => [
      [{ menu: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      ['back', ROOT],
      [{ select: 4 }, 'INPUT Enter the mobile number to send to: [11-14 digits]'],
      ['back', ROOT],
      [{ select: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      [{ input: w.merchant }, `INPUT Pay ${w.merchant}. Enter the amount in yuan: [1-12 text]`],
      ['back', 'INPUT Enter the merchant code: [1-32 text]'],
      ['back', ROOT],
    ],
    effect: async (w) => expectBalance(w, w.user, 10_000n),
  },
  {
    name: 'back on a question that takes 0 as an answer (freeze for 0 days) – the screen before it, never the answer 0',
    tlvOnly: true,
    steps: () => [
      [{ menu: 6 }, ACCOUNT],
      [{ select: 2 }, 'INPUT Freeze for how many days (1-365)? 0 = until you unfreeze it: [0-3 digits]'],
      ['back', ACCOUNT],
      ['back', ROOT],
    ],
    effect: async (w) => expectStatus(w, 'active'),
  },
  {
    name: 'back on the session’s last message (a balance) – END, as clearing it does; on help – the screen it was asked on',
    tlvOnly: true,
    steps: () => [
      [{ menu: 3 }, 'INPUT Enter the merchant code: [1-32 text]'],
      ['help', HELP],
      ['back', 'INPUT Enter the merchant code: [1-32 text]'],
      ['back', ROOT],
      [{ select: 1 }, 'DISPLAY Balance ¥100.00, available ¥100.00.'],
      ['back', 'END'],
    ],
    effect: async (w) => expectBalance(w, w.user, 10_000n),
  },
  {
    name: 'help – result 13 shows help; cleared, the screen it was asked on again',
    tlvOnly: true,
    steps: () => [
      [{ menu: 6 }, ACCOUNT],
      ['help', HELP],
      ['ok', ACCOUNT],
      [{ select: 1 }, 'INPUT Enter your current 6-digit PIN: [6-6 digits hidden]'],
    ],
  },
];

/** The merchant asks the user to pay `fen`. */
export async function askToPay(w: StkWorld, fen: string) {
  const asked = await w.rig.h.run('payment.request', {
    merchant: w.merchant,
    msisdn: w.user,
    amount: fen,
    reference: `r-${randomUUID()}`,
  });
  if (!asked.ok) throw new Error(JSON.stringify(asked));
}

async function expectBalance(w: StkWorld, msisdn: string, fen: bigint) {
  const balance = await walletBalance(w.rig.h, msisdn);
  if (balance !== fen) throw new Error(`${msisdn} holds ${balance} fen, not ${fen}`);
}

async function expectStatus(w: StkWorld, status: string) {
  const row = await w.rig.h
    .db('accounts')
    .where({ kind: 'wallet', code: walletCode(w.user) })
    .first('status');
  if (row?.status !== status) throw new Error(`${w.user} is ${row?.status}, not ${status}`);
}

const SESSION = 'ota-1';
/** An expected `Inbound`, with the STK event and what a terminal response answers. */
const inbound = (value: StkInbound) => value;
const bodyOf = (event: Record<string, unknown>) => ({
  body: { msisdn: '+8613800138000', sessionId: SESSION, ...event },
});

/** What the conformance suite reads of the STK. */
export const conformance: ConformanceCases<StkRaw> = {
  inbound: [
    {
      name: 'a JSON item picked, from a national number',
      raw: { body: { msisdn: '13800138000', sessionId: SESSION, event: 'select', itemId: '3' } },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SESSION,
        input: { type: 'SELECT', id: '3' },
        event: { kind: 'select', itemId: 3 },
        canonical: 'json:{"kind":"select","itemId":3}',
      }),
    },
    {
      name: 'a MENU SELECTION envelope (TS 102 384 menu_selection_111)',
      raw: bodyOf({ tlv: 'D30782020181900102' }),
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SESSION,
        input: { type: 'SELECT', id: '2' },
        event: { kind: 'menu', itemId: 2 },
        canonical: 'tlv:D30782020181900102',
      }),
    },
    {
      name: 'a terminal response "backward move" to GET INPUT (get_input_response_161)',
      raw: bodyOf({ tlv: '810301230082028281830111' }),
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SESSION,
        input: { type: 'TEXT', text: '0' },
        nav: 'previous',
        event: { kind: 'back' },
        responds: 0x23,
        canonical: 'tlv:810301230082028281830111',
      }),
    },
    {
      name: 'a JSON event without its itemId',
      raw: bodyOf({ event: 'select' }),
      expect: {
        rejected: 'itemId is missing or not an item identifier (a decimal string, 1-255)',
        status: 400,
      },
    },
    {
      name: 'a JSON itemId that is a number, not the decimal string',
      raw: bodyOf({ event: 'select', itemId: 3 }),
      expect: {
        rejected: 'itemId is missing or not an item identifier (a decimal string, 1-255)',
        status: 400,
      },
    },
    {
      name: 'a JSON input that is a number',
      raw: bodyOf({ event: 'input', input: 123456 }),
      expect: { rejected: 'input is missing or not a string', status: 400 },
    },
    {
      name: 'a truncated TLV',
      raw: bodyOf({ tlv: 'D307820201819001' }),
      expect: { rejected: 'tlv: menu selection envelope: length 7 overruns the 6 bytes left', status: 400 },
    },
    {
      name: 'a TLV that is not hex',
      raw: bodyOf({ tlv: 'menu 2' }),
      expect: { rejected: 'tlv: tlv is not hex (an even number of 0-9, A-F)', status: 400 },
    },
  ],
  sendErrors: [
    {
      name: 'the session busy with the step a retry raced',
      error: sessionBusy('stk', SESSION),
      retryable: true,
      throttled: false,
    },
    { name: 'a bug', error: new TypeError('x is undefined'), retryable: false, throttled: false },
  ],
  rendered: {
    'a menu': ['Mobile wallet\n1.Balance\n2.Top up\n3.Pay\n4.Transfer\n5.Last transactions\n6.My account'],
    'a Chinese menu': ['手机钱包\n1.余额'],
    'a PIN prompt': ['Enter your 6-digit PIN:'],
    'a final message': ['You paid ¥12.50 to Corner Shop. Balance ¥87.50.'],
    'a message that goes on': ['Noted.'],
    // 239 octets of text a DISPLAY TEXT: 8-bit, 8 lines on the first, the rest on the second.
    'a long English list': [
      [
        'Last transactions:',
        ...Array.from({ length: 8 }, (_, i) => `12-0${i + 1} -¥1${i}.50 Corner Shop`),
      ].join('\n'),
      Array.from(
        { length: 4 },
        (_, i) => `12-${String(i + 9).padStart(2, '0')} -¥1${i + 8}.50 Corner Shop`,
      ).join('\n'),
    ],
    'a long Chinese list': [
      ['最近交易:', ...Array.from({ length: 5 }, (_, i) => `12-0${i + 1} 向街角小店支付¥1${i}.50元`)].join(
        '\n',
      ),
      Array.from({ length: 4 }, (_, i) => `12-0${i + 6} 向街角小店支付¥1${i + 5}.50元`).join('\n'),
    ],
    // UCS2: 119 characters a DISPLAY TEXT, cut inside the line only because it alone is too long.
    'one line longer than any page': ['支付'.repeat(59) + '支', '付' + '支付'.repeat(59), '支付'],
  },
  async replay(h) {
    const server = await startServer(h, { routers: [stkRoutes(channelDepsOf(h))] });
    try {
      const msisdn = await h.openWallet(newMsisdn(), 10_000n);
      const merchant = `c${randomUUID().slice(0, 6)}`;
      await h.merchant(merchant, 'Corner Shop');
      const phone = new StkPhone(server, msisdn, 'tlv');
      for (const action of [{ menu: 3 }, { input: merchant }, { input: '1' }] as StkAction[])
        await phone.do(action);
      const pin = phone.body({ input: PIN });
      const answers = [(await phone.post(pin)).text, (await phone.post(pin)).text] as [string, string];
      const effects = (
        await h.db('commands').where('key', 'like', `stk:${phone.sessionId}:%`).where({ type: 'payment' })
      ).length;
      return { answers, effects };
    } finally {
      await server.close();
    }
  },
};

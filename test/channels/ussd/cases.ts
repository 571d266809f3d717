/**
 * USSD over HTTP, case by case (INTERFACES §4): a caller dials (`text` empty), then answers; each answer
 * is appended to the `text` path the way an Africa's Talking gateway sends it. Every reply is the exact
 * body the gateway gets; `effect` checks the effect in the real ledger.
 */
import { randomUUID } from 'node:crypto';
import type { UssdRaw } from '../../../src/channels/ussd/index.js';
import { ussdRoutes } from '../../../src/channels/ussd/index.js';
import { walletCode } from '../../../src/ledger/codes.js';
import { sessionBusy } from '../../../src/sessions/session-runtime.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import { newMsisdn } from '../../helpers/harness.js';
import { startServer } from '../../integration/ops/server.js';
import type { ConformanceCases } from '../conformance.js';
import type { ChannelRig } from '../../helpers/channel-rig.js';

export interface UssdWorld {
  rig: ChannelRig;
  /** The caller (an MSISDN with a wallet of ¥100.00 unless the case opens none). */
  user: string;
  /** Another wallet, for transfers. */
  other: string;
  /** A recharge card of ¥50.00. */
  card: { serial: string; pin: string };
  merchant: string;
}

export interface UssdCase {
  name: string;
  /** The caller has no wallet. */
  stranger?: boolean;
  given?: (w: UssdWorld) => Promise<void>;
  /** Answers after the dial, and the exact reply to each; the first pair is the dial (`''`). */
  steps: (w: UssdWorld) => [input: string, reply: string][];
  effect?: (w: UssdWorld) => Promise<void>;
}

export const MENU =
  'CON Mobile wallet\n1.Balance\n2.Top up\n3.Pay\n4.Transfer\n5.Last transactions\n6.My account\n9.Help\n0.Exit';
export const ACCOUNT = 'CON My account\n1.Change PIN\n2.Freeze\n3.Unfreeze\n4.Close wallet\n5.中文\n0.Back';
export const PIN = '135790'; // the harness's TEST_PIN
export const NEW_PIN = '582047';
export const WRONG_PIN = '246813';

/** The journeys of §4, one dial each. */
export const ussdCases: UssdCase[] = [
  {
    name: 'balance – 1 – ends on the balance',
    steps: () => [
      ['', MENU],
      ['1', 'END Balance ¥100.00, available ¥100.00.'],
    ],
  },
  {
    name: 'top up – 2, card number, card PIN – credits the card once',
    steps: (w) => [
      ['', MENU],
      ['2', 'CON Enter the recharge card number:'],
      [w.card.serial, 'CON Enter the card PIN:'],
      [w.card.pin, 'END You topped up ¥50.00. Balance ¥150.00.'],
    ],
    effect: async (w) => expectBalance(w, w.user, 15_000n),
  },
  {
    name: 'pay – 3, merchant, amount, PIN – pays 1250 fen',
    steps: (w) => [
      ['', MENU],
      ['3', 'CON Enter the merchant code:'],
      [w.merchant, `CON Pay ${w.merchant}. Enter the amount in yuan:`],
      ['12.5', `CON Pay ¥12.50 to ${w.merchant}. Enter your 6-digit PIN:`],
      [PIN, 'END You paid ¥12.50 to Corner Shop. Balance ¥87.50.'],
    ],
    effect: async (w) => expectBalance(w, w.user, 8_750n),
  },
  {
    name: 'transfer – 4, number, amount, PIN – moves 500 fen to the other wallet',
    steps: (w) => [
      ['', MENU],
      ['4', 'CON Enter the mobile number to send to:'],
      [w.other.slice(2), `CON Send to ${w.other.slice(2)}. Enter the amount in yuan:`],
      ['5', `CON Send ¥5.00 to ${w.other.slice(2)}. Enter your 6-digit PIN:`],
      [PIN, `END You sent ¥5.00 to ${w.other.slice(2)}. Balance ¥95.00.`],
    ],
    effect: async (w) => {
      await expectBalance(w, w.user, 9_500n);
      await expectBalance(w, w.other, 500n);
    },
  },
  {
    name: 'statement – 5 – ends on the last transactions',
    steps: () => [
      ['', MENU],
      ['5', 'END Last transactions:\n12-01 +¥100.00 bank_cle'.replace('12-01', today())],
    ],
  },
  {
    name: 'change PIN – 6 1, old, new, new again – the new PIN pays afterwards',
    steps: () => [
      ['', MENU],
      ['6', ACCOUNT],
      ['1', 'CON Enter your current 6-digit PIN:'],
      [PIN, 'CON Enter a new 6-digit PIN:'],
      [NEW_PIN, 'CON Enter the new PIN again:'],
      [NEW_PIN, 'END Your payment PIN is changed.'],
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
    name: 'freeze – 6 2, days – freezes the wallet',
    steps: () => [
      ['', MENU],
      ['6', ACCOUNT],
      ['2', 'CON Freeze for how many days (1-365)? 0 = until you unfreeze it:'],
      ['0', 'CON Freeze your wallet until you unfreeze it? No transactions meanwhile.\n1.Confirm\n2.Cancel'],
      ['1', 'END Your wallet is frozen. To unfreeze: My account, Unfreeze.'],
    ],
    effect: async (w) => expectStatus(w, 'frozen'),
  },
  {
    name: 'unfreeze – 6 3, PIN – unfreezes a frozen wallet',
    given: async (w) => {
      await w.rig.h.run('account.freeze', { msisdn: w.user });
    },
    steps: () => [
      ['', MENU],
      ['6', ACCOUNT],
      ['3', 'CON Unfreeze your wallet. Enter your 6-digit PIN:'],
      [PIN, 'END Your wallet is unfrozen and ready to use.'],
    ],
    effect: async (w) => expectStatus(w, 'active'),
  },
  {
    name: 'close – 6 4, 1 – closes an empty wallet',
    given: async (w) => {
      await w.rig.h.run('transfer', { msisdn: w.user, to: w.other, amount: '10000', pin: PIN });
    },
    steps: () => [
      ['', MENU],
      ['6', ACCOUNT],
      ['4', 'CON Close your wallet? You will no longer be able to use it.\n1.Confirm\n2.Cancel'],
      ['1', 'END Your wallet is closed. Thank you for using it.'],
    ],
    effect: async (w) => expectStatus(w, 'closed'),
  },
  {
    name: 'open – a stranger, 1, 1 – opens a wallet; the PIN comes by SMS',
    stranger: true,
    steps: () => [
      ['', 'CON Mobile wallet (not opened yet)\n1.Open a wallet\n0.Exit'],
      [
        '1',
        'CON Open a wallet under our terms: one wallet per phone number, every change confirmed by SMS. Full terms: WAP page /wap/terms\n1.Accept\n2.Decline',
      ],
      [
        '1',
        'END Your wallet is open. Your initial login password and payment PIN come by SMS; please change the PIN soon.',
      ],
    ],
    effect: async (w) => {
      await expectStatus(w, 'active');
      const sms = await w.rig.h.db('outbox').where({ msisdn: w.user }).pluck('reason');
      if (sms.length !== 1) throw new Error(`not one SMS with the password and PIN: ${sms.join(', ')}`);
    },
  },
  {
    name: 'merchant request – the dial opens on it, 1 and the PIN – pays it',
    given: async (w) => {
      const asked = await w.rig.h.run('payment.request', {
        merchant: w.merchant,
        msisdn: w.user,
        amount: '800',
        reference: `r-${w.user}`,
      });
      if (!asked.ok) throw new Error(JSON.stringify(asked));
    },
    steps: () => [
      ['', 'CON Corner Shop asks you to pay ¥8.00\n1.Pay\n2.Decline'],
      ['1', 'CON Pay ¥8.00 to Corner Shop. Enter your 6-digit PIN:'],
      [PIN, 'END You paid ¥8.00 to Corner Shop. Balance ¥92.00.'],
    ],
    effect: async (w) => expectBalance(w, w.user, 9_200n),
  },
  {
    name: 'navigation – 0 goes back a screen, 00 home, 0 at the root exits',
    steps: (w) => [
      ['', MENU],
      ['3', 'CON Enter the merchant code:'],
      [w.merchant, `CON Pay ${w.merchant}. Enter the amount in yuan:`],
      ['0', 'CON Enter the merchant code:'],
      ['0', MENU],
      ['6', ACCOUNT],
      ['2', 'CON Freeze for how many days (1-365)? 0 = until you unfreeze it:'],
      ['00', MENU],
      ['0', 'END Thank you. Goodbye.'],
    ],
    effect: async (w) => expectStatus(w, 'active'),
  },
  {
    name: 'malformed answers – a * inside an amount, control characters, emoji, Chinese, 10,000 digits – ask again, pay nothing',
    steps: (w) => [
      ['', MENU],
      ['3', 'CON Enter the merchant code:'],
      [w.merchant, `CON Pay ${w.merchant}. Enter the amount in yuan:`],
      ['12*5', 'CON Invalid amount. Enter yuan, e.g. 12.50:'],
      ['1\u0007\u0000', 'CON Invalid amount. Enter yuan, e.g. 12.50:'],
      ['💸', 'CON Invalid amount. Enter yuan, e.g. 12.50:'],
      ['十二', 'CON Invalid amount. Enter yuan, e.g. 12.50:'],
      ['9'.repeat(10_000), 'CON Invalid amount. Enter yuan, e.g. 12.50:'],
    ],
    effect: async (w) => expectBalance(w, w.user, 10_000n),
  },
];

/** `MM-DD` of today in UTC, as the statement writes the dates of its lines. */
function today(): string {
  return new Date().toISOString().slice(5, 10);
}

async function expectBalance(w: UssdWorld, msisdn: string, fen: bigint) {
  const { walletBalance } = await import('../../helpers/ledger.js');
  const balance = await walletBalance(w.rig.h, msisdn);
  if (balance !== fen) throw new Error(`${msisdn} holds ${balance} fen, not ${fen}`);
}

async function expectStatus(w: UssdWorld, status: string) {
  const row = await w.rig.h
    .db('accounts')
    .where({ kind: 'wallet', code: walletCode(w.user) })
    .first('status');
  if (row?.status !== status) throw new Error(`${w.user} is ${row?.status}, not ${status}`);
}

/** What the conformance suite reads of USSD over HTTP. */
export const conformance: ConformanceCases<UssdRaw> = {
  inbound: [
    {
      name: 'a dial',
      raw: {
        body: { sessionId: 'AT1', serviceCode: '*1065#', phoneNumber: '+8613800138000', text: '' },
        serviceCode: '*1065#',
      },
      expect: { msisdn: '8613800138000', sessionId: 'AT1', input: { type: 'TEXT', text: '' }, request: '' },
    },
    {
      name: 'a path, from a national number, on an extension of the code',
      raw: {
        body: { sessionId: 'AT2', serviceCode: '*1065*3#', phoneNumber: '13800138000', text: '3*2001' },
        serviceCode: '*1065#',
      },
      expect: {
        msisdn: '8613800138000',
        sessionId: 'AT2',
        input: { type: 'TEXT', text: '3*2001' },
        request: '3*2001',
      },
    },
    {
      name: 'no phone number',
      raw: { body: { sessionId: 'AT3', serviceCode: '*1065#', text: '' }, serviceCode: '*1065#' },
      expect: { rejected: 'phoneNumber is missing', status: 400 },
    },
    {
      name: 'no body',
      raw: { body: undefined, serviceCode: '*1065#' },
      expect: { rejected: 'sessionId is missing', status: 400 },
    },
  ],
  sendErrors: [
    {
      name: 'the session busy with the step a retry raced',
      error: sessionBusy('ussd', 'AT1'),
      retryable: true,
      throttled: false,
    },
    { name: 'a bug', error: new TypeError('x is undefined'), retryable: false, throttled: false },
  ],
  async replay(h) {
    const deps = channelDepsOf(h);
    const server = await startServer(h, { routers: [ussdRoutes(deps)] });
    try {
      const msisdn = await h.openWallet(newMsisdn(), 10_000n);
      const merchant = `c${randomUUID().slice(0, 6)}`;
      await h.merchant(merchant, 'Corner Shop');
      const sessionId = randomUUID();
      const ask = async (text: string) =>
        (
          await server.call('POST', '/ussd', {
            body: { sessionId, serviceCode: '*1065#', phoneNumber: msisdn, text },
          })
        ).text;
      for (const text of ['', '3', `3*${merchant}`, `3*${merchant}*1`]) await ask(text);
      const path = `3*${merchant}*1*${PIN}`;
      const answers = [await ask(path), await ask(path)] as [string, string];
      const effects = (
        await h.db('commands').where('key', 'like', `ussd:${sessionId}:%`).where({ type: 'payment' })
      ).length;
      return { answers, effects };
    } finally {
      await server.close();
    }
  },
};

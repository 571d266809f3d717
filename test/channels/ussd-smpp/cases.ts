/**
 * USSD over SMPP: the conformance cases (PDUs as the link hands them over) and the main journeys of §4
 * as a USSD centre drives them over the SMS bind. Screens are those of HTTP USSD (test/channels/ussd).
 */
import { ESME_RTHROTTLED, type InboundPdu, SmppSubmitError } from '../../../src/channels/smpp/index.js';
import { randomUUID } from 'node:crypto';
import { ussdSmppSteps } from '../../../src/channels/ussd/index.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import { newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import type { ConformanceCases } from '../conformance.js';

export const MENU =
  'CON Mobile wallet\n1.Balance\n2.Top up\n3.Pay\n4.Transfer\n5.Last transactions\n6.My account\n9.Help\n0.Exit';

const pdu = (op: number, info: string, text: string, extra: Partial<InboundPdu> = {}): InboundPdu => ({
  command: 'deliver_sm',
  source: '8613800138000',
  sourceTon: 1,
  destination: '*1065#',
  esmClass: 0,
  dataCoding: 0,
  text,
  udh: null,
  receipt: null,
  serviceType: 'USSD',
  ussd: { serviceOp: op, sessionInfo: Buffer.from(info, 'hex') },
  session: 's1',
  raw: { shortMessage: '', sequenceNumber: 1 },
  ...extra,
});

export interface UssdSmppCase {
  name: string;
  /** Answers after the dial and the exact screen each gets; the first is the dial's. */
  steps: (merchant: string) => [answer: string | null, screen: string][];
  balance?: bigint;
}

export const ussdSmppCases: UssdSmppCase[] = [
  {
    name: 'balance – dial, 1 – PSSR response (op 17, end bit) with the balance',
    steps: () => [
      [null, MENU],
      ['1', 'END Balance ¥100.00, available ¥100.00.'],
    ],
    balance: 10_000n,
  },
  {
    name: 'pay – dial, 3, merchant, amount, PIN – pays, each screen a USSR request until the last',
    steps: (m) => [
      [null, MENU],
      ['3', 'CON Enter the merchant code:'],
      [m, `CON Pay ${m}. Enter the amount in yuan:`],
      ['12.5', `CON Pay ¥12.50 to ${m}. Enter your 6-digit PIN:`],
      [TEST_PIN, 'END You paid ¥12.50 to Corner Shop. Balance ¥87.50.'],
    ],
    balance: 8_750n,
  },
  {
    name: 'navigation – 0 back, 00 home, 0 at the root exits',
    steps: (m) => [
      [null, MENU],
      ['3', 'CON Enter the merchant code:'],
      [m, `CON Pay ${m}. Enter the amount in yuan:`],
      ['0', 'CON Enter the merchant code:'],
      ['00', MENU],
      ['0', 'END Thank you. Goodbye.'],
    ],
    balance: 10_000n,
  },
];

export const conformance: ConformanceCases<InboundPdu> = {
  inbound: [
    {
      name: 'a dial (op 1)',
      raw: pdu(1, '0102', '*1065#'),
      expect: { msisdn: '8613800138000', sessionId: '8613800138000:0102', input: { type: 'TEXT', text: '' } },
    },
    {
      name: 'an answer (op 18)',
      raw: pdu(18, '0102', '12.5'),
      expect: {
        msisdn: '8613800138000',
        sessionId: '8613800138000:0102',
        input: { type: 'TEXT', text: '12.5' },
      },
    },
    {
      name: 'the back key (op 18, `0`)',
      raw: pdu(18, '0102', '0'),
      expect: {
        msisdn: '8613800138000',
        sessionId: '8613800138000:0102',
        input: { type: 'TEXT', text: '0' },
        nav: 'back',
      },
    },
    {
      name: 'an op the table does not map',
      raw: pdu(3, '0102', 'x'),
      expect: { rejected: 'not a USSD PDU this gateway can read', status: 0x65 },
    },
    {
      name: 'its_session_info of three octets',
      raw: pdu(18, '010203', '1'),
      expect: { rejected: 'not a USSD PDU this gateway can read', status: 0x65 },
    },
  ],
  sendErrors: [
    {
      name: 'ESME_RTHROTTLED',
      error: new SmppSubmitError('rejected', { commandStatus: ESME_RTHROTTLED }),
      retryable: true,
      throttled: true,
    },
    {
      name: 'a screen too long for one PDU',
      error: new SmppSubmitError('too_long'),
      retryable: false,
      throttled: false,
    },
    { name: 'a bug', error: new TypeError('x is undefined'), retryable: false, throttled: false },
  ],
  async replay(h) {
    // A PDU the dialogs answered with ESME_RX_T_APPN comes again under the same request key: the handler
    // gets the same step twice, as the dialogs hand it over.
    const steps = ussdSmppSteps(channelDepsOf(h));
    const msisdn = await h.openWallet(newMsisdn(), 10_000n);
    const merchant = `r${randomUUID().slice(0, 6)}`;
    await h.merchant(merchant, 'Corner Shop');
    const dialog = `${msisdn}:0102:${randomUUID().slice(0, 8)}`;
    const step = (n: number, kind: 'begin' | 'continue', text: string) =>
      steps({ msisdn, dialog, kind, text, session: 's1', requestKey: `${dialog}:${n}` });
    await step(1, 'begin', '*1065#');
    await step(2, 'continue', '3');
    await step(3, 'continue', merchant);
    await step(4, 'continue', '1');
    const first = await step(5, 'continue', TEST_PIN);
    const second = await step(5, 'continue', TEST_PIN);
    const effects = (
      await h.db('commands').where('key', 'like', `ussd:${dialog}:%`).where({ type: 'payment' })
    ).length;
    return { answers: [JSON.stringify(first), JSON.stringify(second)], effects };
  },
};

/**
 * Every screen the flows can reach must fit one USSD page: 182 GSM characters, or 80 when it holds
 * Chinese. This file drives every journey and refusal in both locales and checks each screen; the screens
 * the other flow tests reach are checked by `drive()` itself, in whatever order the files run.
 */
import { expect } from 'chai';
import type { Locale } from '../../../flows/texts/index.js';
import { fitsUssd, screenText } from '../../../flows/index.js';
import { drive, expectFitUssd, type FlowName, ok, type Respond, refused } from './drive.js';

const codes = [
  ['insufficient_funds', 'the balance is not enough'],
  ['wrong_pin', 'wrong payment PIN; 2 attempt(s) left'],
  ['wrong_pin', 'wrong payment PIN'],
  ['pin_locked', 'payments are locked until 2026-11-23T12:00:00.000Z'],
  ['pin_format', 'a payment PIN is 6 digits'],
  ['limit_per_payment', 'over the limit of 9999999999 fen per payment'],
  ['limit_per_payment', 'over the limit'],
  ['limit_daily', 'over the daily limit; 9999999999 fen left today'],
  ['limit_daily', 'over the daily limit'],
  ['merchant_not_found', 'no merchant has this code'],
  ['payee_not_found', 'the receiving phone number has no wallet'],
  ['account_frozen', 'the wallet is frozen'],
  ['account_closed', 'the wallet is closed'],
  ['not_a_user', 'this phone number has no wallet'],
  ['same_account', 'payer and payee are the same'],
  ['counterparty_unavailable', 'the other account cannot take part now'],
  ['pending', 'accepted; the result will come by SMS'],
  ['voucher_invalid', 'wrong card number or card PIN'],
  ['voucher_used', 'this card has already been used'],
  ['not_frozen', 'the wallet is not frozen'],
  ['balance_not_zero', 'empty the wallet before closing it'],
  ['already_open', 'this phone number already has a wallet'],
  ['hold_not_pending', 'this payment request is no longer waiting'],
  ['hold_expired', 'this payment request has expired'],
  ['failed', 'operators have been alerted'],
];

/** A request from a merchant with a long Chinese name, for the largest amount a user can type. */
const bigRequest = {
  request: { holdId: '1', merchantName: '一个名字非常非常长的便利店连锁超市', amount: '99999999999' },
};
const wrongThenLocked = (respond: Respond): Respond => {
  let calls = 0;
  return (request) =>
    calls++ === 0
      ? { ok: false, error: { code: 'wrong_pin', message: 'wrong payment PIN; 2 attempt(s) left' } }
      : respond(request);
};

const big = '99999999999';
const longLines = Array.from({ length: 5 }, (_, i) => ({
  amount: `-${big}`,
  counterparty: i % 2 ? '13900139000' : 'M12345678901234567890',
  at: '2026-11-23T10:00:00.000Z',
}));

const scenarios: [FlowName, string[], Respond, Record<string, unknown>?][] = [
  ['menu', ['7'], ok({}), { registered: false }],
  ['menu', ['6', '7'], ok({})],
  ['menu', ['6', '5'], ok({})],
  ['menu', ['9'], ok({})],
  ['menu', [], ok({}), bigRequest],
  ['paymentRequest', ['3', '1', '111112', '111111'], wrongThenLocked(ok({ balance: big })), bigRequest],
  ['paymentRequest', ['2'], ok({}), bigRequest],
  ['topup', ['1', '86001234567890123456', '1', '123456789012'], ok({ amount: big, balance: big })],
  [
    'changePin',
    ['1', '135790', '135790', '111111', '246813', '246814', '246813', '246813', '975310'],
    wrongThenLocked(ok({})),
  ],
  ['freeze', ['x', '365', '3', '1'], ok({ frozenUntil: '2027-11-23T00:00:00.000Z' })],
  ['freeze', ['', '3', '2'], ok({})],
  ['freeze', ['0', '1'], ok({ frozenUntil: null })],
  ['unfreeze', ['111112', '111111'], wrongThenLocked(ok({}))],
  ['close', ['3', '1'], ok({})],
  ['close', ['2'], ok({})],
  ['open', ['3', '1'], ok({})],
  ['open', ['2'], ok({})],
  ['account', ['7', '0'], ok({})],
  ...codes.flatMap(([code, message]): [FlowName, string[], Respond, Record<string, unknown>?][] => [
    ['topup', ['86001234567890123456', '123456'], refused(code, message)],
    ['changePin', ['135790', '246813', '246813'], refused(code, message)],
    ['freeze', ['7', '1'], refused(code, message)],
    ['unfreeze', ['135790'], refused(code, message)],
    ['close', ['1'], refused(code, message)],
    ['open', ['1'], refused(code, message)],
    ['account', ['5'], refused(code, message)],
    ['paymentRequest', ['1', '135790'], refused(code, message), bigRequest],
    ['paymentRequest', ['2'], refused(code, message), bigRequest],
  ]),
  ['menu', ['9'], ok({})],
  ['menu', ['2'], ok({})],
  ['menu', ['0'], ok({})],
  ['menu', ['TIMEOUT'], ok({})],
  ['menu', ['1'], ok({ balance: big, available: big })],
  ['menu', ['5'], ok({ lines: longLines })],
  ['menu', ['5'], ok({ lines: [] })],
  [
    'pay',
    ['x y', 'M1234567890123456789012345678901', 'abc', '999999999.99', '111111'],
    ok({ merchantName: '一个名字非常非常长的便利店连锁超市', balance: big }),
  ],
  ['pay', ['2001', 'TIMEOUT'], ok({})],
  ['transfer', ['123', '13900139000', '1.234', '999999999.99', '111111'], ok({ balance: big })],
  ['statement', [], ok({ lines: longLines })],
  ['balance', [], ok({ balance: big, available: big })],
  ...codes.map(([code, message]): [FlowName, string[], Respond] => [
    'pay',
    ['2001', '1', '111111'],
    refused(code, message),
  ]),
  ...codes.map(([code, message]): [FlowName, string[], Respond] => [
    'transfer',
    ['13900139000', '1', '111111'],
    refused(code, message),
  ]),
  ['balance', [], refused('not_a_user')],
  ['statement', [], refused('not_a_user')],
];

describe('USSD screen size', () => {
  for (const locale of ['zh-CN', 'en'] as Locale[]) {
    it(`every screen – in ${locale}, for every journey, re-ask and refusal – fits one USSD page`, async () => {
      for (const [flow, inputs, respond, start] of scenarios) {
        const run = await drive(flow, inputs, respond, locale, start);
        for (const screen of run.screens) {
          const shown = screenText(screen);
          expect(fitsUssd(screen), `${flow} ${inputs.join('*')} (${shown.length}): ${shown}`).to.equal(true);
        }
      }
    });
  }

  it('the size check every drive() makes – one character over the page, GSM or Chinese – throws naming the journey and screen; at the limit – passes', () => {
    const gsm = (n: number) => ({ kind: 'message' as const, text: 'x'.repeat(n), final: true });
    const chinese = (n: number) => ({ kind: 'message' as const, text: '余'.repeat(n), final: true });
    expect(() => expectFitUssd([gsm(182), chinese(80)], 'at the limit')).not.to.throw();
    expect(() => expectFitUssd([gsm(183)], 'pay 2001')).to.throw(
      `pay 2001: a screen does not fit one USSD page (183): ${'x'.repeat(183)}`,
    );
    expect(() => expectFitUssd([gsm(10), chinese(81)], 'menu 1')).to.throw(
      `menu 1: a screen does not fit one USSD page (81): ${'余'.repeat(81)}`,
    );
  });
});

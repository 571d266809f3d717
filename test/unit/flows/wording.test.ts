import { expect } from 'chai';
import { createActor, waitFor } from 'xstate';
import { isBusy, payMachine, type Screen, screenOf } from '../../../flows/index.js';
import { finalMessage, pinRetryScreen, resultScreen, saying } from '../../../flows/kit.js';
import { smsText } from '../../../flows/sms-replies.js';
import { fakeCommands, MSISDN, ok } from './drive.js';
import { recordStates } from './coverage.js';

const wrongPin = {
  ok: false,
  error: { code: 'wrong_pin', message: 'wrong payment PIN; 2 attempt(s) left' },
} as const;

describe('what a screen says (its wording)', () => {
  it('a journey screen – carries its catalog key and parameters; screenOf gives channels the screen without them', async () => {
    const { runCommand } = fakeCommands(ok({ merchantName: 'Corner Shop', balance: '8750' }));
    const actor = createActor(payMachine.provide({ actors: { runCommand } }), {
      input: { msisdn: MSISDN, locale: 'en', merchant: '2001', amount: '1250' },
      inspect: recordStates,
    }).start();
    const waiting = await waitFor(actor, (s) => !isBusy(s));
    expect(waiting.context.screen.say).to.deep.equal({
      key: 'flow.pay.pin',
      params: { amount: '¥12.50', merchant: '2001' },
    });
    expect(screenOf(waiting)).to.not.have.property('say');
    expect(screenOf(waiting)).to.include({
      kind: 'prompt',
      text: 'Pay ¥12.50 to 2001. Enter your 6-digit PIN:',
    });
    actor.send({ type: 'TEXT', text: '135790' });
    const paid = await waitFor(actor, (s) => s.status === 'done');
    expect(paid.output?.say).to.deep.equal({
      key: 'flow.pay.done',
      params: { amount: '¥12.50', merchant: 'Corner Shop', balance: '¥87.50' },
    });
  });

  it('a refusal – carries the refusal key and parameters; a PIN asked again – carries the refusal as its note', () => {
    const refusal = resultScreen('en', wrongPin, () => finalMessage('unused'));
    expect(refusal).to.deep.equal({
      kind: 'message',
      text: 'Wrong PIN. 2 attempt(s) left.',
      final: true,
      say: { key: 'refusal.wrong_pin', params: { left: '2' } },
    });
    const limit = resultScreen(
      'zh-CN',
      { ok: false, error: { code: 'limit_daily', message: 'left 5000' } },
      () => finalMessage('unused'),
    );
    expect(limit.say).to.deep.equal({ key: 'refusal.limit_daily', params: { left: '¥50.00' } });
    expect(pinRetryScreen('en', wrongPin).say).to.deep.equal({
      key: 'flow.pin.again',
      note: 'Wrong PIN. 2 attempt(s) left.',
    });
  });

  describe('smsText (a screen the SMS way)', () => {
    it('a text SMS words its own way – is said with the SMS key and the same parameters', () => {
      const prompt: Screen = {
        kind: 'prompt',
        text: 'Pay ¥12.50 to 2001. Enter your 6-digit PIN:',
        input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
        say: { key: 'flow.pay.pin', params: { amount: '¥12.50', merchant: '2001' } },
      };
      expect(smsText('en', prompt)).to.equal(
        'Pay ¥12.50 to 2001? Reply with your 6-digit PIN to confirm, QX to cancel.',
      );
      expect(smsText('zh-CN', saying('zh-CN', 'flow.close.done'))).to.equal('钱包已销户,感谢使用。');
    });

    it('a PIN asked again – says the note first, then the SMS question, joined the way of the language', () => {
      expect(smsText('en', pinRetryScreen('en', wrongPin))).to.equal(
        'Wrong PIN. 2 attempt(s) left. Reply with your 6-digit PIN, or QX to cancel.',
      );
      expect(smsText('zh-CN', pinRetryScreen('zh-CN', wrongPin))).to.equal(
        '支付密码错误,还可尝试2次。请回复6位支付密码,或回复QX取消。',
      );
    });

    it('a text SMS has no words of its own for (a refusal) – is said as the journey says it, save closing’s', () => {
      const refusal = resultScreen('en', { ok: false, error: { code: 'voucher_used', message: '' } }, () =>
        finalMessage('unused'),
      );
      expect(smsText('en', refusal)).to.equal('This card has already been used.');
      const notEmpty = resultScreen(
        'en',
        { ok: false, error: { code: 'balance_not_zero', message: '' } },
        () => finalMessage('unused'),
      );
      // Except where SMS says how to go on: closing a wallet that still holds money.
      expect(smsText('en', notEmpty)).to.equal(
        'Your wallet still holds money, so it stays open. Send it away first (ZZ mobile amount) or spend it, then send XH.',
      );
    });

    it('a screen with no wording – is said as its text; a statement – lists its rows the SMS way', () => {
      expect(smsText('en', finalMessage('Plain words.'))).to.equal('Plain words.');
      const statement: Screen = {
        kind: 'message',
        text: 'Last transactions:\n11-23 -¥12.50 2001',
        final: true,
        say: {
          key: 'flow.statement.title',
          rows: [
            {
              kind: 'payment',
              amount: '-1250',
              counterparty: '2001',
              counterpartyKind: 'merchant',
              at: '2026-11-23T03:00:00.000Z',
            },
          ],
        },
      };
      expect(smsText('en', statement)).to.equal('Last transactions (yuan):\n11-23 -12.50 2001');
      expect(smsText('zh-CN', { ...statement, say: { key: 'flow.statement.title', rows: [] } })).to.equal(
        '暂无交易记录。',
      );
    });
  });
});

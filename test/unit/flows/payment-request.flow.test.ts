import { expect } from 'chai';
import { drive, inTurn, MSISDN, ok, refused, textOf } from './drive.js';

const request = { holdId: '42', merchantName: 'Corner Shop', amount: '1250' };
const confirmed = ok({ holdId: '42', status: 'posted', balance: '8750' });
const declined = ok({ holdId: '42', status: 'voided' });

describe('payment-request flow', () => {
  it('payment request – when started – shows who asks how much, with pay and decline', async () => {
    const run = await drive('paymentRequest', [], confirmed, 'zh-CN', { request });
    expect(run.last).to.deep.equal({
      kind: 'menu',
      title: 'Corner Shop请求您支付¥12.50',
      options: [
        { id: '1', label: '支付' },
        { id: '2', label: '拒绝' },
      ],
    });
  });

  it('payment request – when 1 and the PIN – confirms the hold and shows the new balance', async () => {
    const run = await drive('paymentRequest', ['1', '135790'], confirmed, 'en', { request });
    expect(run.screens[1]).to.deep.equal({
      kind: 'prompt',
      text: 'Pay ¥12.50 to Corner Shop. Enter your 6-digit PIN:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(run.requests).to.deep.equal([
      { type: 'payment.confirm', input: { msisdn: MSISDN, holdId: '42', pin: '135790' } },
    ]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
      final: true,
    });
    expect(run.persisted).not.to.include('135790');
  });

  it('payment request – when 2 – declines the hold and says the money is free', async () => {
    const run = await drive('paymentRequest', ['2'], declined, 'en', { request });
    expect(run.requests).to.deep.equal([
      { type: 'payment.decline', input: { msisdn: MSISDN, holdId: '42' } },
    ]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Declined: Corner Shop, ¥12.50. The held money is free again.',
      final: true,
    });
  });

  it('payment request – when the PIN is wrong, then right – asks again and pays', async () => {
    const run = await drive(
      'paymentRequest',
      ['1', '975310', '135790'],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), confirmed),
      'en',
      { request },
    );
    expect(textOf(run.screens[2])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(run.requests).to.have.length(2);
    expect(textOf(run.last)).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
  });

  it('payment request – when the PIN is wrong three times – ends locked', async () => {
    const run = await drive(
      'paymentRequest',
      ['1', '975310', '975311', '975312'],
      inTurn(
        refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
        refused('wrong_pin', 'wrong payment PIN; 1 attempt(s) left'),
        refused('pin_locked', 'payments are locked until 2026-11-24T00:00:00.000Z'),
      ),
      'zh-CN',
      { request },
    );
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: '密码错误次数过多,支付已暂时锁定。',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  const refusals: [string, string, string][] = [
    ['hold_not_pending', 'This payment request is no longer waiting.', '该支付请求已失效。'],
    ['hold_expired', 'This payment request has expired.', '该支付请求已过期。'],
    ['limit_daily', 'Over your daily limit; ¥12.50 left today.', '超过每日限额,今日还可用¥12.50。'],
    ['account_frozen', 'Your wallet is frozen.', '您的钱包已冻结,暂不能交易。'],
    ['account_closed', 'Your wallet is closed.', '您的钱包已销户。'],
    ['not_a_user', 'You have no mobile wallet yet.', '您尚未开通手机钱包。'],
  ];
  for (const [code, en, zh] of refusals) {
    it(`payment request – when confirming is refused with ${code} – ends with its text`, async () => {
      const message = code === 'limit_daily' ? 'over the daily limit; 1250 fen left today' : code;
      const inEnglish = await drive('paymentRequest', ['1', '135790'], refused(code, message), 'en', {
        request,
      });
      expect(inEnglish.last).to.deep.equal({ kind: 'message', text: en, final: true });
      const inChinese = await drive('paymentRequest', ['1', '135790'], refused(code, message), 'zh-CN', {
        request,
      });
      expect(inChinese.last).to.deep.equal({ kind: 'message', text: zh, final: true });
    });
  }

  it('payment request – when declining is refused (no longer pending) – says so', async () => {
    const run = await drive('paymentRequest', ['2'], refused('hold_not_pending'), 'en', { request });
    expect(textOf(run.last)).to.equal('This payment request is no longer waiting.');
  });

  it('payment request – when the answer is neither – asks again', async () => {
    const run = await drive('paymentRequest', ['3'], confirmed, 'en', { request });
    expect(run.last).to.include({
      kind: 'menu',
      title: 'Invalid option, try again\nCorner Shop asks you to pay ¥12.50',
    });
  });

  it('payment request – when the session times out at the choice or the PIN – nothing is sent', async () => {
    for (const inputs of [['TIMEOUT'], ['1', 'TIMEOUT']]) {
      const run = await drive('paymentRequest', inputs, confirmed, 'en', { request });
      expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
      expect(run.requests).to.have.length(0);
    }
  });

  it('payment request – when a command cannot run at all – ends with the busy text', async () => {
    for (const choice of [['1', '135790'], ['2']]) {
      const run = await drive(
        'paymentRequest',
        choice,
        () => {
          throw new Error('bus down');
        },
        'en',
        { request },
      );
      expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
    }
  });
});

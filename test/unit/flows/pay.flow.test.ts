import { expect } from 'chai';
import { drive, inTurn, MSISDN, ok, refused, textOf } from './drive.js';

const paid = ok({ transferId: '7', merchant: '2001', merchantName: 'Corner Shop', balance: '8750' });

describe('pay flow', () => {
  it('pay – when merchant, amount and PIN are given – sends one payment command and shows the new balance', async () => {
    const run = await drive('pay', ['2001', '12.5', '135790'], paid);
    expect(run.requests).to.deep.equal([
      { type: 'payment', input: { msisdn: MSISDN, merchant: '2001', amount: '1250', pin: '135790' } },
    ]);
    expect(run.screens[0]).to.include({ kind: 'prompt', text: 'Enter the merchant code:' });
    expect(run.screens[2]).to.deep.equal({
      kind: 'prompt',
      text: 'Pay ¥12.50 to 2001. Enter your 6-digit PIN:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  it('pay – in Chinese – prompts and confirms in Chinese with yuan amounts', async () => {
    const run = await drive('pay', ['2001', '12.5', '135790'], paid, 'zh-CN');
    expect(textOf(run.screens[1])).to.equal('向2001支付,请输入金额(元):');
    expect(textOf(run.last)).to.equal('已向Corner Shop支付¥12.50,余额¥87.50。');
  });

  it('pay – when the amount is malformed – asks again with a clear text and sends nothing', async () => {
    const run = await drive('pay', ['2001', '12.345', 'abc', '0', '１２.５'], paid);
    for (const screen of run.screens.slice(2, 5)) {
      expect(screen).to.include({ kind: 'prompt', text: 'Invalid amount. Enter yuan, e.g. 12.50:' });
    }
    expect(textOf(run.last)).to.equal('Pay ¥12.50 to 2001. Enter your 6-digit PIN:');
    expect(run.requests).to.have.length(0);
  });

  it('pay – when the merchant code is not a code – asks again', async () => {
    const run = await drive('pay', ['20 01'], paid);
    expect(textOf(run.last)).to.equal('Invalid merchant code. Enter the merchant code:');
  });

  it('pay – after the PIN was used – keeps it neither in the context nor in the snapshot', async () => {
    const run = await drive(
      'pay',
      ['2001', '12.5', '246813'],
      refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
    );
    expect(run.requests[0].input).to.include({ pin: '246813' });
    expect(run.persisted).not.to.include('246813');
  });

  const refusals: [string, string, string, string][] = [
    [
      'insufficient_funds',
      'the balance is not enough',
      'Your balance is not enough. Nothing was paid.',
      '余额不足,交易未完成。',
    ],
    [
      'pin_locked',
      'payments are locked until x',
      'Too many wrong PINs: payments are locked for now.',
      '密码错误次数过多,支付已暂时锁定。',
    ],
    [
      'limit_per_payment',
      'over the limit of 50000 fen per payment',
      'Over your limit of ¥500.00 per payment. Nothing was paid.',
      '超过单笔限额¥500.00,交易未完成。',
    ],
    [
      'limit_daily',
      'over the daily limit; 1250 fen left today',
      'Over your daily limit; ¥12.50 left today.',
      '超过每日限额,今日还可用¥12.50。',
    ],
    [
      'merchant_not_found',
      'no merchant has this code',
      'No merchant has this code. Please check it.',
      '商户编号不存在,请核对后重试。',
    ],
    ['account_frozen', 'the wallet is frozen', 'Your wallet is frozen.', '您的钱包已冻结,暂不能交易。'],
    [
      'not_a_user',
      'this phone number has no wallet',
      'You have no mobile wallet yet.',
      '您尚未开通手机钱包。',
    ],
    [
      'failed',
      'the command could not be completed',
      'The transaction could not be completed. Please try later.',
      '交易未能完成,请稍后再试。',
    ],
  ];
  for (const [code, message, en, zh] of refusals) {
    it(`pay – when the ledger refuses with ${code} – ends with a friendly text in each language`, async () => {
      const inEnglish = await drive('pay', ['2001', '12.5', '135790'], refused(code, message), 'en');
      expect(inEnglish.last).to.deep.equal({ kind: 'message', text: en, final: true });
      const inChinese = await drive('pay', ['2001', '12.5', '135790'], refused(code, message), 'zh-CN');
      expect(inChinese.last).to.deep.equal({ kind: 'message', text: zh, final: true });
    });
  }

  it('pay – when the PIN is wrong – asks it again saying how many attempts are left', async () => {
    const run = await drive(
      'pay',
      ['2001', '12.5', '246813'],
      refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
      'zh-CN',
    );
    expect(run.last).to.deep.equal({
      kind: 'prompt',
      text: '支付密码错误,还可尝试2次。\n请重新输入6位支付密码:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(run.done).to.equal(false);
  });

  it('pay – when the PIN is wrong and then right – pays with the second PIN', async () => {
    const run = await drive(
      'pay',
      ['2001', '12.5', '246813', '135790'],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), paid),
    );
    expect(run.requests.map((r) => (r.input as { pin: string }).pin)).to.deep.equal(['246813', '135790']);
    expect(run.requests[1].input).to.include({ merchant: '2001', amount: '1250' });
    expect(textOf(run.last)).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    expect(run.persisted).not.to.include('246813');
  });

  it('pay – when the PIN is wrong three times – ends with payments locked', async () => {
    const run = await drive(
      'pay',
      ['2001', '12.5', '111112', '111113', '111114'],
      inTurn(
        refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
        refused('wrong_pin', 'wrong payment PIN; 1 attempt(s) left'),
        refused('pin_locked', 'payments are locked until 2026-11-24T00:00:00.000Z'),
      ),
    );
    expect(textOf(run.screens[3])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(textOf(run.screens[4])).to.equal('Wrong PIN. 1 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Too many wrong PINs: payments are locked for now.',
      final: true,
    });
    expect(run.requests).to.have.length(3);
    expect(run.done).to.equal(true);
  });

  it('pay – when the command is still pending at the deadline – says the result comes by SMS', async () => {
    const run = await drive(
      'pay',
      ['2001', '12.5', '135790'],
      refused('pending', 'accepted; the result will come by SMS'),
    );
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Accepted. The result will come by SMS.',
      final: true,
    });
  });

  it('pay – when the session times out – ends without a command', async () => {
    const run = await drive('pay', ['2001', 'TIMEOUT'], paid);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'The session timed out. Please start again.',
      final: true,
    });
    expect(run.requests).to.have.length(0);
    expect(run.done).to.equal(true);
  });

  it('pay – when the merchant and the amount come up front (SMS ZF) – starts at the PIN and pays with them', async () => {
    const run = await drive('pay', ['135790'], paid, 'en', { merchant: '2001', amount: '1250' });
    expect(run.screens[0]).to.deep.equal({
      kind: 'prompt',
      text: 'Pay ¥12.50 to 2001. Enter your 6-digit PIN:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(run.requests).to.deep.equal([
      { type: 'payment', input: { msisdn: MSISDN, merchant: '2001', amount: '1250', pin: '135790' } },
    ]);
    expect(textOf(run.last)).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    expect(run.persisted).not.to.include('135790');
  });

  it('pay – when only the merchant comes up front – asks from the merchant code, keeping nothing given', async () => {
    const run = await drive('pay', ['3001', '5', '135790'], paid, 'en', { merchant: '2001' });
    expect(textOf(run.screens[0])).to.equal('Enter the merchant code:');
    expect(run.requests).to.deep.equal([
      { type: 'payment', input: { msisdn: MSISDN, merchant: '3001', amount: '500', pin: '135790' } },
    ]);
  });
});

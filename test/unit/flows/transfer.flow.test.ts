import { expect } from 'chai';
import { drive, inTurn, MSISDN, ok, refused, textOf } from './drive.js';

const sent = ok({ transferId: '9', to: '8613900139000', balance: '500' });

describe('transfer flow', () => {
  it('transfer – when number, amount and PIN are given – sends one transfer command and shows the new balance', async () => {
    const run = await drive('transfer', ['+86 139 0013 9000', '5', '135790'], sent);
    expect(run.requests).to.deep.equal([
      { type: 'transfer', input: { msisdn: MSISDN, to: '8613900139000', amount: '500', pin: '135790' } },
    ]);
    expect(textOf(run.screens[1])).to.equal('Send to 13900139000. Enter the amount in yuan:');
    expect(run.screens[2]).to.include({
      kind: 'prompt',
      text: 'Send ¥5.00 to 13900139000. Enter your 6-digit PIN:',
    });
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'You sent ¥5.00 to 13900139000. Balance ¥5.00.',
      final: true,
    });
  });

  it('transfer – in Chinese – confirms in Chinese', async () => {
    const run = await drive('transfer', ['13900139000', '5', '135790'], sent, 'zh-CN');
    expect(textOf(run.last)).to.equal('已向13900139000转账¥5.00,余额¥5.00。');
  });

  it('transfer – when the number is not a mobile number – asks again', async () => {
    const run = await drive('transfer', ['12345', '23900139000'], sent);
    expect(textOf(run.screens[1])).to.equal('Invalid number. Enter an 11-digit mobile number:');
    expect(textOf(run.last)).to.equal('Invalid number. Enter an 11-digit mobile number:');
    expect(run.requests).to.have.length(0);
  });

  it('transfer – when the amount is malformed – asks again', async () => {
    const run = await drive('transfer', ['13900139000', '5.001'], sent);
    expect(textOf(run.last)).to.equal('Invalid amount. Enter yuan, e.g. 12.50:');
  });

  it('transfer – when the PIN is wrong – says how many attempts are left and keeps no PIN', async () => {
    const run = await drive(
      'transfer',
      ['13900139000', '5', '000111'],
      refused('wrong_pin', 'wrong payment PIN; 4 attempt(s) left'),
    );
    expect(run.last).to.deep.equal({
      kind: 'prompt',
      text: 'Wrong PIN. 4 attempt(s) left.\nEnter your 6-digit PIN again:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(run.done).to.equal(false);
    expect(run.persisted).not.to.include('000111');
  });

  it('transfer – when the PIN is wrong and then right – sends once more and ends with the result', async () => {
    const run = await drive(
      'transfer',
      ['13900139000', '5', '000111', '135790'],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), ok({ balance: '500' })),
    );
    expect(run.requests.map((r) => (r.input as { pin: string }).pin)).to.deep.equal(['000111', '135790']);
    expect(textOf(run.last)).to.equal('You sent ¥5.00 to 13900139000. Balance ¥5.00.');
  });

  it('transfer – when the PIN is wrong three times – ends locked after the third', async () => {
    const run = await drive(
      'transfer',
      ['13900139000', '5', '000111', '000112', '000113'],
      inTurn(
        refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
        refused('wrong_pin', 'wrong payment PIN; 1 attempt(s) left'),
        refused('pin_locked', 'payments are locked until 2026-11-24T00:00:00.000Z'),
      ),
      'zh-CN',
    );
    expect(run.requests).to.have.length(3);
    expect(textOf(run.screens[4])).to.equal('支付密码错误,还可尝试1次。\n请重新输入6位支付密码:');
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: '密码错误次数过多,支付已暂时锁定。',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  it('transfer – when the payee has no wallet or is the payer – says so', async () => {
    const noWallet = await drive('transfer', ['13900139000', '5', '135790'], refused('payee_not_found'));
    expect(textOf(noWallet.last)).to.equal('This mobile number has no wallet.');
    const self = await drive('transfer', ['13800138000', '5', '135790'], refused('same_account'), 'zh-CN');
    expect(textOf(self.last)).to.equal('不能向自己转账。');
  });

  it('transfer – when the command is pending – says the result comes by SMS', async () => {
    const run = await drive('transfer', ['13900139000', '5', '135790'], refused('pending'), 'zh-CN');
    expect(textOf(run.last)).to.equal('交易已受理,结果将以短信通知您。');
  });

  it('transfer – when the payee and the amount come up front (SMS ZZ) – starts at the PIN and sends with them', async () => {
    const run = await drive('transfer', ['135790'], sent, 'zh-CN', { to: '8613900139000', amount: '500' });
    expect(textOf(run.screens[0])).to.equal('向13900139000转账¥5.00,请输入6位支付密码:');
    expect(run.requests).to.deep.equal([
      { type: 'transfer', input: { msisdn: MSISDN, to: '8613900139000', amount: '500', pin: '135790' } },
    ]);
    expect(textOf(run.last)).to.equal('已向13900139000转账¥5.00,余额¥5.00。');
  });

  it('transfer – when the payee given up front is not a mobile number – asks for the payee', async () => {
    const run = await drive('transfer', [], sent, 'en', { to: '12345', amount: '500' });
    expect(textOf(run.last)).to.equal('Enter the mobile number to send to:');
    expect(run.requests).to.have.length(0);
  });
});

import { expect } from 'chai';
import { createActor, waitFor } from 'xstate';
import { isBusy, screenOf } from '../../../flows/index.js';
import {
  byType,
  drive,
  fakeCommands,
  inTurn,
  inputFor,
  MSISDN,
  machineFor,
  ok,
  refused,
  textOf,
} from './drive.js';

const paid = ok({ transferId: '7', merchant: '2001', merchantName: 'Corner Shop', balance: '8750' });

describe('menu flow', () => {
  it('menu – when started – shows the USSD numbering of a registered user', async () => {
    const run = await drive('menu', []);
    expect(run.last).to.deep.equal({
      kind: 'menu',
      title: 'Mobile wallet',
      options: [
        { id: '1', label: 'Balance' },
        { id: '2', label: 'Top up' },
        { id: '3', label: 'Pay' },
        { id: '4', label: 'Transfer' },
        { id: '5', label: 'Last transactions' },
        { id: '6', label: 'My account' },
        { id: '9', label: 'Help' },
        { id: '0', label: 'Exit' },
      ],
    });
  });

  it('menu – when 1 is chosen – runs the balance journey and ends with its result', async () => {
    const run = await drive('menu', ['1'], ok({ balance: '100', available: '100' }));
    expect(run.last).to.deep.equal({ kind: 'message', text: 'Balance ¥1.00, available ¥1.00.', final: true });
    expect(run.done).to.equal(true);
  });

  it('menu – when 3 then merchant, amount and PIN – pays through the pay journey', async () => {
    const run = await drive('menu', ['3', '2001', '12.5', '135790'], paid);
    expect(textOf(run.screens[1])).to.equal('Enter the merchant code:');
    expect(run.screens[3]).to.include({ kind: 'prompt' });
    expect(run.requests).to.deep.equal([
      { type: 'payment', input: { msisdn: MSISDN, merchant: '2001', amount: '1250', pin: '135790' } },
    ]);
    expect(textOf(run.last)).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    expect(run.done).to.equal(true);
    expect(run.persisted).not.to.include('135790');
  });

  it('menu – when 4 then number, amount and PIN – transfers through the transfer journey', async () => {
    const run = await drive('menu', ['4', '13900139000', '5', '135790'], ok({ balance: '0' }), 'zh-CN');
    expect(run.requests[0]).to.deep.include({ type: 'transfer' });
    expect(textOf(run.last)).to.equal('已向13900139000转账¥5.00,余额¥0.00。');
  });

  it('menu – when 5 is chosen – shows the last transactions', async () => {
    const run = await drive('menu', ['5'], ok({ lines: [] }));
    expect(textOf(run.last)).to.equal('No transactions yet.');
  });

  it('menu – when a journey inside it gets a malformed amount – the menu shows the re-ask', async () => {
    const run = await drive('menu', ['3', '2001', '12,50'], paid);
    expect(textOf(run.last)).to.equal('Invalid amount. Enter yuan, e.g. 12.50:');
  });

  it('menu – when 2 then a card number and card PIN – tops up through the top-up journey', async () => {
    const run = await drive(
      'menu',
      ['2', '8600123456789012', '481516'],
      ok({ amount: '5000', balance: '15000' }),
    );
    expect(textOf(run.screens[1])).to.equal('Enter the recharge card number:');
    expect(run.requests).to.deep.equal([
      { type: 'topup.card', input: { msisdn: MSISDN, serial: '8600123456789012', cardPin: '481516' } },
    ]);
    expect(textOf(run.last)).to.equal('You topped up ¥50.00. Balance ¥150.00.');
    expect(run.done).to.equal(true);
  });

  it('menu – when 6 then 3 and the PIN – unfreezes through the account submenu', async () => {
    const run = await drive('menu', ['6', '3', '135790'], ok({ status: 'active' }));
    expect(run.screens[1]).to.include({ kind: 'menu', title: 'My account' });
    expect(run.requests).to.deep.equal([
      { type: 'account.unfreeze', input: { msisdn: MSISDN, pin: '135790' } },
    ]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Your wallet is unfrozen and ready to use.',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  it('menu – when 6 then 0 – goes back to the menu and can run another journey', async () => {
    const run = await drive('menu', ['6', '0', '1'], ok({ balance: '100', available: '100' }));
    expect(run.screens[2]).to.include({ kind: 'menu', title: 'Mobile wallet' });
    expect(textOf(run.last)).to.equal('Balance ¥1.00, available ¥1.00.');
  });

  it('menu – when the language is switched in the account submenu – speaks the new language from then on', async () => {
    const run = await drive(
      'menu',
      ['6', '5', '1'],
      byType({ 'account.locale': ok({ locale: 'en' }), balance: ok({ balance: '100', available: '100' }) }),
      'zh-CN',
    );
    expect(run.screens[1]).to.deep.include({ title: '我的账户' });
    expect(run.requests[0]).to.deep.equal({
      type: 'account.locale',
      input: { msisdn: MSISDN, locale: 'en' },
    });
    expect(run.screens[2]).to.include({ kind: 'menu', title: 'Language set to English.\nMobile wallet' });
    expect(textOf(run.last)).to.equal('Balance ¥1.00, available ¥1.00.');
  });

  it('menu – when switched from English – goes back in Chinese', async () => {
    const run = await drive('menu', ['6', '5'], ok({ locale: 'zh-CN' }), 'en');
    expect(run.requests[0].input).to.deep.equal({ msisdn: MSISDN, locale: 'zh-CN' });
    expect(run.last).to.include({ kind: 'menu', title: '已切换为中文。\n手机钱包' });
  });

  it('menu – when 9 is chosen – ends with one page of help', async () => {
    const run = await drive('menu', ['9'], ok({}), 'zh-CN');
    expect(run.last).to.include({ kind: 'message', final: true });
    expect(textOf(run.last)).to.include('10658888');
    expect(run.requests).to.have.length(0);
    expect(run.done).to.equal(true);
  });

  it('menu – when an item is picked (STK) rather than typed – works the same', async () => {
    const run = await drive('menu', ['SELECT:1'], ok({ balance: '100', available: '100' }));
    expect(textOf(run.last)).to.equal('Balance ¥1.00, available ¥1.00.');
  });

  it('menu – when the session times out at the menu – ends with the timeout text', async () => {
    const run = await drive('menu', ['TIMEOUT']);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'The session timed out. Please start again.',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  it('menu – when a journey inside the account submenu times out – ends the whole session', async () => {
    const run = await drive('menu', ['6', '1', '135790', 'TIMEOUT']);
    expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
    expect(run.done).to.equal(true);
    expect(run.requests).to.have.length(0);
  });

  it('menu – for a caller with no wallet – offers only to open one, or exit', async () => {
    const run = await drive('menu', [], ok({}), 'zh-CN', { registered: false });
    expect(run.last).to.deep.equal({
      kind: 'menu',
      title: '手机钱包(未开通)',
      options: [
        { id: '1', label: '开通钱包' },
        { id: '0', label: '退出' },
      ],
    });
  });

  it('menu – for a caller with no wallet, when 1 then 1 – opens a wallet', async () => {
    const run = await drive('menu', ['1', '1'], ok({ status: 'active' }), 'en', {
      registered: false,
      channel: 'ussd',
    });
    expect(run.requests).to.deep.equal([
      { type: 'account.open', input: { msisdn: MSISDN, locale: 'en', channel: 'ussd' } },
    ]);
    expect(textOf(run.last)).to.match(/^Your wallet is open\./);
  });

  it('menu – for a caller with no wallet, when another option or 0 – asks again, then says goodbye', async () => {
    const run = await drive('menu', ['3', '0'], ok({}), 'en', { registered: false });
    expect(run.screens[1]).to.include({
      kind: 'menu',
      title: 'Invalid option, try again\nMobile wallet (not opened yet)',
    });
    expect(run.last).to.deep.equal({ kind: 'message', text: 'Thank you. Goodbye.', final: true });
    const timedOut = await drive('menu', ['TIMEOUT'], ok({}), 'en', { registered: false });
    expect(textOf(timedOut.last)).to.equal('The session timed out. Please start again.');
  });

  it('menu – when a payment request is waiting – opens on it and ends with it', async () => {
    const request = { holdId: '42', merchantName: 'Corner Shop', amount: '1250' };
    const run = await drive('menu', ['1', '135790'], ok({ status: 'posted', balance: '8750' }), 'en', {
      request,
    });
    expect(run.screens[0]).to.deep.equal({
      kind: 'menu',
      title: 'Corner Shop asks you to pay ¥12.50',
      options: [
        { id: '1', label: 'Pay' },
        { id: '2', label: 'Decline' },
      ],
    });
    expect(run.requests).to.deep.equal([
      { type: 'payment.confirm', input: { msisdn: MSISDN, holdId: '42', pin: '135790' } },
    ]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  it('menu – when a journey fails outright (no result) – ends with the busy text', async () => {
    const run = await drive('menu', ['1'], () => {
      throw new Error('queue down');
    });
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'The service is busy. Please try again later.',
      final: true,
    });
  });

  it('menu – when the PIN is wrong inside the pay journey – shows the re-ask, then the result', async () => {
    const run = await drive(
      'menu',
      ['3', '2001', '12.5', '246813', '135790'],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), paid),
    );
    expect(textOf(run.screens[4])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(textOf(run.last)).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    expect(run.requests).to.have.length(2);
  });

  it('menu – when the PIN is wrong two levels deep (account, unfreeze) – shows the re-ask, then the result', async () => {
    const run = await drive(
      'menu',
      ['6', '3', '246813', '135790'],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), ok({ status: 'active' })),
    );
    expect(textOf(run.screens[3])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(textOf(run.last)).to.equal('Your wallet is unfrozen and ready to use.');
  });

  it('menu – when 0 is chosen – says goodbye and ends', async () => {
    const run = await drive('menu', ['0'], paid, 'zh-CN');
    expect(run.last).to.deep.equal({ kind: 'message', text: '感谢使用,再见。', final: true });
    expect(run.done).to.equal(true);
  });

  it('menu – when the option is unknown – shows the menu again with a short error', async () => {
    const run = await drive('menu', ['7'], paid);
    expect(run.last).to.include({ kind: 'menu', title: 'Invalid option, try again\nMobile wallet' });
    expect(run.done).to.equal(false);
    const again = await drive('menu', ['7', '1'], ok({ balance: '0', available: '0' }));
    expect(textOf(again.last)).to.equal('Balance ¥0.00, available ¥0.00.');
  });

  it('menu – when restored from a persisted snapshot mid-payment – continues where it was', async () => {
    const { requests, runCommand } = fakeCommands(paid);
    const first = createActor(machineFor('menu', runCommand), { input: inputFor('menu', 'en') }).start();
    first.send({ type: 'TEXT', text: '3' });
    first.send({ type: 'TEXT', text: '2001' });
    const json = JSON.stringify(first.getPersistedSnapshot());
    first.stop();

    const second = createActor(machineFor('menu', runCommand), { snapshot: JSON.parse(json) }).start();
    expect(textOf(screenOf(second.getSnapshot()))).to.equal('Pay 2001. Enter the amount in yuan:');
    second.send({ type: 'TEXT', text: '12.5' });
    second.send({ type: 'TEXT', text: '135790' });
    const settled = await waitFor(second, (s) => !isBusy(s));
    expect(textOf(screenOf(settled))).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    expect(requests).to.have.length(1);
    second.stop();
  });

  it('menu – when the journey is refused – shows the refusal as the final screen', async () => {
    const run = await drive('menu', ['3', '2001', '12.5', '135790'], refused('insufficient_funds'), 'zh-CN');
    expect(run.last).to.deep.equal({ kind: 'message', text: '余额不足,交易未完成。', final: true });
  });
});

import { expect } from 'chai';
import { createActor, waitFor } from 'xstate';
import { isBusy, screenOf } from '../../../flows/index.js';
import { drive, fakeCommands, MSISDN, machineFor, ok, refused, textOf } from './drive.js';

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

  it('menu – when 2 or 6 is chosen – ends with "not available yet"', async () => {
    for (const choice of ['2', '6']) {
      const run = await drive('menu', [choice]);
      expect(run.last).to.deep.equal({
        kind: 'message',
        text: 'This service is not available yet.',
        final: true,
      });
      expect(run.requests).to.have.length(0);
    }
  });

  it('menu – when 0 is chosen – says goodbye and ends', async () => {
    const run = await drive('menu', ['0'], paid, 'zh-CN');
    expect(run.last).to.deep.equal({ kind: 'message', text: '感谢使用,再见。', final: true });
    expect(run.done).to.equal(true);
  });

  it('menu – when the option is unknown – shows the menu again with a short error', async () => {
    const run = await drive('menu', ['9'], paid);
    expect(run.last).to.include({ kind: 'menu', title: 'Invalid option, try again\nMobile wallet' });
    expect(run.done).to.equal(false);
    const again = await drive('menu', ['9', '1'], ok({ balance: '0', available: '0' }));
    expect(textOf(again.last)).to.equal('Balance ¥0.00, available ¥0.00.');
  });

  it('menu – when restored from a persisted snapshot mid-payment – continues where it was', async () => {
    const { requests, runCommand } = fakeCommands(paid);
    const first = createActor(machineFor('menu', runCommand), {
      input: { msisdn: MSISDN, locale: 'en' },
    }).start();
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

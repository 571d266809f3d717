import { expect } from 'chai';
import { createActor, waitFor } from 'xstate';
import { isBusy, screenOf } from '../../../flows/index.js';
import { byType, drive, fakeCommands, inputFor, MSISDN, machineFor, ok, refused, textOf } from './drive.js';

describe('account flow', () => {
  it('account – when started – shows the submenu numbered as INTERFACES §4', async () => {
    const run = await drive('account', [], ok({}), 'zh-CN');
    expect(run.last).to.deep.equal({
      kind: 'menu',
      title: '我的账户',
      options: [
        { id: '1', label: '修改支付密码' },
        { id: '2', label: '冻结' },
        { id: '3', label: '解冻' },
        { id: '4', label: '销户' },
        { id: '5', label: 'English' },
        { id: '0', label: '返回' },
      ],
    });
  });

  it('account – when 1 then old, new, new again – changes the PIN through the change-pin journey', async () => {
    const run = await drive('account', ['1', '135790', '246813', '246813'], ok({ msisdn: MSISDN }));
    expect(textOf(run.screens[1])).to.equal('Enter your current 6-digit PIN:');
    expect(run.requests).to.deep.equal([
      { type: 'pin.change', input: { msisdn: MSISDN, oldPin: '135790', newPin: '246813' } },
    ]);
    expect(run.last).to.deep.equal({ kind: 'message', text: 'Your payment PIN is changed.', final: true });
    expect(run.done).to.equal(true);
  });

  it('account – when 2, days and confirm – freezes through the freeze journey', async () => {
    const run = await drive('account', ['2', '3', '1'], ok({ frozenUntil: '2026-11-26T00:00:00.000Z' }));
    expect(run.requests).to.deep.equal([{ type: 'account.freeze', input: { msisdn: MSISDN, days: 3 } }]);
    expect(textOf(run.last)).to.equal('Your wallet is frozen until 2026-11-26, when it unfreezes by itself.');
  });

  it('account – when 4 and confirm – closes through the close journey', async () => {
    const run = await drive('account', ['4', '1'], refused('balance_not_zero'), 'zh-CN');
    expect(run.requests).to.deep.equal([{ type: 'account.close', input: { msisdn: MSISDN } }]);
    expect(textOf(run.last)).to.match(/^钱包内还有余额/);
  });

  it('account – when 5 – switches the language and hands back to the menu in it', async () => {
    const run = await drive('account', ['5'], ok({ locale: 'en' }), 'zh-CN');
    expect(run.requests).to.deep.equal([{ type: 'account.locale', input: { msisdn: MSISDN, locale: 'en' } }]);
    expect(run.done).to.equal(true);
  });

  it('account – when the language switch is refused – ends with the refusal in the old language', async () => {
    const run = await drive('account', ['5'], refused('account_closed'), 'zh-CN');
    expect(run.last).to.deep.equal({ kind: 'message', text: '您的钱包已销户。', final: true });
    const viaMenu = await drive('menu', ['6', '5'], refused('account_closed'), 'en');
    expect(viaMenu.last).to.deep.equal({ kind: 'message', text: 'Your wallet is closed.', final: true });
  });

  it('account – when the language switch cannot run at all – ends with the busy text', async () => {
    const run = await drive('account', ['5'], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
  });

  it('account – when 0 – hands back to the menu without a command', async () => {
    const run = await drive('menu', ['6', '0'], ok({}), 'zh-CN');
    expect(run.last).to.include({ kind: 'menu', title: '手机钱包' });
    expect(run.requests).to.have.length(0);
  });

  it('account – when the option is unknown – shows the submenu again', async () => {
    const zh = await drive('account', ['7'], ok({}), 'zh-CN');
    expect(zh.last).to.include({ kind: 'menu', title: '无效选项,请重选\n我的账户' });
    expect(zh.done).to.equal(false);
    // In English the submenu holds "中文", so the page is 80 characters: it comes back without the note.
    const en = await drive('account', ['7'], ok({}), 'en');
    expect(en.last).to.include({ kind: 'menu', title: 'My account' });
  });

  it('account – when the session times out in the submenu – ends', async () => {
    const run = await drive('account', ['TIMEOUT']);
    expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
    expect(run.done).to.equal(true);
  });

  it('account – when a journey inside it cannot run its command – ends with the busy text', async () => {
    const run = await drive('menu', ['6', '3', '135790'], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
  });

  it('account – when restored mid change-pin from a snapshot – continues two levels deep', async () => {
    const { requests, runCommand } = fakeCommands(byType({ 'pin.change': ok({ msisdn: MSISDN }) }));
    const first = createActor(machineFor('menu', runCommand), { input: inputFor('menu', 'en') }).start();
    for (const text of ['6', '1', '135790']) first.send({ type: 'TEXT', text });
    const json = JSON.stringify(first.getPersistedSnapshot());
    first.stop();

    const second = createActor(machineFor('menu', runCommand), { snapshot: JSON.parse(json) }).start();
    expect(textOf(screenOf(second.getSnapshot()))).to.equal('Enter a new 6-digit PIN:');
    second.send({ type: 'TEXT', text: '246813' });
    second.send({ type: 'TEXT', text: '246813' });
    const settled = await waitFor(second, (s) => !isBusy(s));
    expect(textOf(screenOf(settled))).to.equal('Your payment PIN is changed.');
    expect(requests).to.deep.equal([
      { type: 'pin.change', input: { msisdn: MSISDN, oldPin: '135790', newPin: '246813' } },
    ]);
    second.stop();
  });
});

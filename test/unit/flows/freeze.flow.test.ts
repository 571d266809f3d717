import { expect } from 'chai';
import { drive, MSISDN, ok, refused, textOf } from './drive.js';

const frozenFor7 = ok({ status: 'frozen', frozenUntil: '2026-11-30T10:00:00.000Z' });
const frozen = ok({ status: 'frozen', frozenUntil: null });

describe('freeze flow', () => {
  it('freeze – when 7 days and 1 – freezes for 7 days and says until when', async () => {
    const run = await drive('freeze', ['7', '1'], frozenFor7);
    expect(run.screens[0]).to.deep.equal({
      kind: 'prompt',
      text: 'Freeze for how many days (1-365)? 0 = until you unfreeze it:',
      input: { minLength: 0, maxLength: 3, digitsOnly: true, hidden: false, answers: ['0'] },
    });
    expect(run.screens[1]).to.deep.equal({
      kind: 'menu',
      title: 'Freeze your wallet for 7 days? No transactions meanwhile.',
      options: [
        { id: '1', label: 'Confirm' },
        { id: '2', label: 'Cancel' },
      ],
    });
    expect(run.requests).to.deep.equal([{ type: 'account.freeze', input: { msisdn: MSISDN, days: 7 } }]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Your wallet is frozen until 2026-11-30, when it unfreezes by itself.',
      final: true,
    });
  });

  it('freeze – when empty or 0 days – freezes until the user unfreezes it (no days sent)', async () => {
    for (const days of ['', '0']) {
      const run = await drive('freeze', [days, '1'], frozen, 'zh-CN');
      expect(textOf(run.screens[1])).to.equal('冻结钱包直到您解冻?冻结期间不能交易。');
      expect(run.requests).to.deep.equal([{ type: 'account.freeze', input: { msisdn: MSISDN } }]);
      expect(textOf(run.last)).to.equal('您的钱包已冻结。解冻请选账户-解冻。');
    }
  });

  it('freeze – when the days are not 0-365 – asks again and sends nothing', async () => {
    const run = await drive('freeze', ['366', '-1', 'x', '1.5', '1000'], frozen);
    for (const screen of run.screens.slice(1)) {
      expect(textOf(screen)).to.equal('Invalid number of days. Enter 1-365, or 0 until you unfreeze it:');
    }
    expect(run.requests).to.have.length(0);
    const edge = await drive('freeze', ['365', '1'], frozenFor7);
    expect(edge.requests[0].input).to.deep.equal({ msisdn: MSISDN, days: 365 });
  });

  it('freeze – when 2 (cancel) – changes nothing', async () => {
    const run = await drive('freeze', ['7', '2'], frozen);
    expect(run.last).to.deep.equal({ kind: 'message', text: 'Cancelled. Nothing was changed.', final: true });
    expect(run.requests).to.have.length(0);
  });

  it('freeze – when the confirmation is neither 1 nor 2 – shows the question again with a note', async () => {
    const run = await drive('freeze', ['7', '5', 'SELECT:1'], frozenFor7);
    expect(run.screens[2]).to.include({
      kind: 'menu',
      title: 'Invalid option, try again\nFreeze your wallet for 7 days? No transactions meanwhile.',
    });
    expect(run.requests).to.have.length(1);
  });

  for (const [code, en] of [
    ['account_closed', 'Your wallet is closed.'],
    ['not_a_user', 'You have no mobile wallet yet.'],
  ]) {
    it(`freeze – when the ledger refuses with ${code} – ends with its text`, async () => {
      const run = await drive('freeze', ['', '1'], refused(code));
      expect(run.last).to.deep.equal({ kind: 'message', text: en, final: true });
    });
  }

  it('freeze – when the session times out at the question or the confirmation – ends without a command', async () => {
    for (const inputs of [['TIMEOUT'], ['7', 'TIMEOUT']]) {
      const run = await drive('freeze', inputs, frozen);
      expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
      expect(run.requests).to.have.length(0);
      expect(run.done).to.equal(true);
    }
  });

  it('freeze – when the command cannot run at all – ends with the busy text', async () => {
    const run = await drive('freeze', ['', '1'], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
  });
});

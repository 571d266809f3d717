import { expect } from 'chai';
import { createActor, fromPromise, waitFor } from 'xstate';
import { bindMenu, isBusy, screenOf } from '../../../flows/index.js';
import { recordStates } from './coverage.js';
import { drive, fakeCommands, MSISDN, ok, refused, textOf } from './drive.js';

const opened = ok({ msisdn: MSISDN, accountId: '12', status: 'active' });

describe('open flow', () => {
  it('open – when started – shows the short agreement with accept and decline', async () => {
    const run = await drive('open', [], opened, 'zh-CN');
    expect(run.last).to.deep.equal({
      kind: 'menu',
      title: '开通即同意用户协议:钱包与本机号码一一对应,每笔变动短信通知。协议全文见WAP页面/wap/terms。',
      options: [
        { id: '1', label: '同意并开通' },
        { id: '2', label: '不同意' },
      ],
    });
  });

  it('open – when 1 (accept) – opens the wallet in the caller language and says the passwords come by SMS', async () => {
    const run = await drive('open', ['1'], opened, 'zh-CN', { channel: 'ivr' });
    expect(run.requests).to.deep.equal([
      { type: 'account.open', input: { msisdn: MSISDN, locale: 'zh-CN', channel: 'ivr' } },
    ]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: '钱包已开通。初始登录密码和支付密码将以短信发送给您,请尽快修改支付密码。',
      final: true,
    });
  });

  it('open – without a channel – sends none', async () => {
    const run = await drive('open', ['1'], opened);
    expect(run.requests[0].input).to.deep.equal({ msisdn: MSISDN, locale: 'en' });
    expect(textOf(run.last)).to.equal(
      'Your wallet is open. Your initial login password and payment PIN come by SMS; please change the PIN soon.',
    );
  });

  it('open – when 2 (decline) – opens nothing and says goodbye politely', async () => {
    const run = await drive('open', ['2'], opened);
    expect(run.requests).to.have.length(0);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'No wallet was opened. You are welcome back any time.',
      final: true,
    });
  });

  it('open – when the answer is neither – asks again', async () => {
    const run = await drive('open', ['A', '2'], opened, 'zh-CN');
    expect(textOf(run.screens[1]).startsWith('无效选项,请重选\n开通即同意')).to.equal(true);
    expect(run.requests).to.have.length(0);
  });

  for (const [code, en] of [
    ['already_open', 'You already have a mobile wallet.'],
    ['invalid', 'The transaction could not be completed. Please try later.'],
  ]) {
    it(`open – when the ledger refuses with ${code} – ends with its text`, async () => {
      const run = await drive('open', ['1'], refused(code));
      expect(run.last).to.deep.equal({ kind: 'message', text: en, final: true });
    });
  }

  it('open – when the session times out at the agreement – opens nothing', async () => {
    const run = await drive('open', ['TIMEOUT'], opened);
    expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
    expect(run.requests).to.have.length(0);
  });

  it('open – when the command cannot run at all – ends with the busy text', async () => {
    const run = await drive('open', ['1'], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
  });

  describe('opening handed to SMS (a voice call: the menu started with openBySms)', () => {
    async function guestPicksOpen(offer: (msisdn: string) => Promise<void>) {
      const { requests, runCommand } = fakeCommands(opened);
      const offerOpen = fromPromise<void, { msisdn: string }>(({ input }) => offer(input.msisdn));
      const actor = createActor(bindMenu(runCommand, offerOpen), {
        input: { msisdn: MSISDN, locale: 'en', registered: false, openBySms: true },
        inspect: recordStates,
      }).start();
      actor.send({ type: 'TEXT', text: '1' });
      const screen = screenOf(await waitFor(actor, (s) => !isBusy(s)));
      actor.stop();
      return { requests, screen };
    }

    it('menu – when a guest picks 1 – hands the opening to SMS, runs no command and says the terms come by SMS', async () => {
      const offered: string[] = [];
      const { requests, screen } = await guestPicksOpen(async (msisdn) => {
        offered.push(msisdn);
      });
      expect(offered).to.deep.equal([MSISDN]);
      expect(requests).to.deep.equal([]);
      expect(screen).to.deep.equal({
        kind: 'message',
        text: 'The terms come to you by SMS now. Reply A to that SMS to open your wallet. Thank you for calling.',
        final: true,
      });
    });

    it('menu – when the hand-off fails – ends on the error text', async () => {
      const { screen } = await guestPicksOpen(async () => {
        throw new Error('outbox down');
      });
      expect(screen).to.deep.equal({
        kind: 'message',
        text: 'The service is busy. Please try again later.',
        final: true,
      });
    });
  });
});

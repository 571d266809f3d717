import { expect } from 'chai';
import { drive, MSISDN, ok, refused, textOf } from './drive.js';

const closed = ok({ msisdn: MSISDN, status: 'closed' });

describe('close flow', () => {
  it('close – when 1 (confirm) – sends account.close and says the wallet is closed', async () => {
    const run = await drive('close', ['1'], closed);
    expect(run.screens[0]).to.deep.equal({
      kind: 'menu',
      title: 'Close your wallet? You will no longer be able to use it.',
      options: [
        { id: '1', label: 'Confirm' },
        { id: '2', label: 'Cancel' },
      ],
    });
    expect(run.requests).to.deep.equal([{ type: 'account.close', input: { msisdn: MSISDN } }]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Your wallet is closed. Thank you for using it.',
      final: true,
    });
  });

  it('close – when money is left in the wallet – says how to empty it first', async () => {
    const inEnglish = await drive(
      'close',
      ['1'],
      refused('balance_not_zero', 'empty the wallet before closing it'),
    );
    expect(inEnglish.last).to.deep.equal({
      kind: 'message',
      text: 'Your wallet still holds money. To close it, first transfer the money to another wallet or spend it on a payment, then close it.',
      final: true,
    });
    const inChinese = await drive('close', ['1'], refused('balance_not_zero'), 'zh-CN');
    expect(textOf(inChinese.last)).to.equal(
      '钱包内还有余额或待确认的支付,暂不能销户。请先把钱转账到其他钱包或用于支付,余额为零后再销户。',
    );
  });

  for (const [code, en] of [
    ['account_closed', 'Your wallet is closed.'],
    ['not_a_user', 'You have no mobile wallet yet.'],
  ]) {
    it(`close – when the ledger refuses with ${code} – ends with its text`, async () => {
      const run = await drive('close', ['1'], refused(code));
      expect(run.last).to.deep.equal({ kind: 'message', text: en, final: true });
    });
  }

  it('close – when 2 (cancel) – closes nothing', async () => {
    const run = await drive('close', ['2'], closed, 'zh-CN');
    expect(run.last).to.deep.equal({ kind: 'message', text: '已取消,未做任何更改。', final: true });
    expect(run.requests).to.have.length(0);
  });

  it('close – when the answer is neither 1 nor 2 – asks again with a note', async () => {
    const run = await drive('close', ['A', '1'], closed, 'zh-CN');
    expect(run.screens[1]).to.include({
      kind: 'menu',
      title: '无效选项,请重选\n确认销户?销户后钱包将关闭,不能再使用。',
    });
    expect(run.requests).to.have.length(1);
  });

  it('close – when the session times out – ends without a command', async () => {
    const run = await drive('close', ['TIMEOUT'], closed);
    expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
    expect(run.requests).to.have.length(0);
  });

  it('close – when the command cannot run at all – ends with the busy text', async () => {
    const run = await drive('close', ['1'], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
  });
});

import { expect } from 'chai';
import { drive, inTurn, MSISDN, ok, refused, textOf } from './drive.js';

const unfrozen = ok({ msisdn: MSISDN, status: 'active' });

describe('unfreeze flow', () => {
  it('unfreeze – when the PIN is given – sends account.unfreeze with it and confirms', async () => {
    const run = await drive('unfreeze', ['135790'], unfrozen);
    expect(run.screens[0]).to.deep.equal({
      kind: 'prompt',
      text: 'Unfreeze your wallet. Enter your 6-digit PIN:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(run.requests).to.deep.equal([
      { type: 'account.unfreeze', input: { msisdn: MSISDN, pin: '135790' } },
    ]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Your wallet is unfrozen and ready to use.',
      final: true,
    });
    expect(run.persisted).not.to.include('135790');
  });

  it('unfreeze – when the PIN is wrong, then right – asks again and unfreezes', async () => {
    const run = await drive(
      'unfreeze',
      ['975310', '135790'],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), unfrozen),
      'zh-CN',
    );
    expect(textOf(run.screens[1])).to.equal('支付密码错误,还可尝试2次。\n请重新输入6位支付密码:');
    expect(run.requests.map((r) => (r.input as { pin: string }).pin)).to.deep.equal(['975310', '135790']);
    expect(textOf(run.last)).to.equal('您的钱包已解冻,可以正常交易。');
    expect(run.persisted).not.to.include('975310');
  });

  it('unfreeze – when the PIN is wrong three times – ends with payments locked', async () => {
    const run = await drive(
      'unfreeze',
      ['975310', '975311', '975312'],
      inTurn(
        refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
        refused('wrong_pin', 'wrong payment PIN; 1 attempt(s) left'),
        refused('pin_locked', 'payments are locked until 2026-11-24T00:00:00.000Z'),
      ),
    );
    expect(textOf(run.screens[2])).to.equal('Wrong PIN. 1 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Too many wrong PINs: payments are locked for now.',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  for (const [code, en, zh] of [
    ['not_frozen', 'Your wallet is not frozen.', '您的钱包未冻结。'],
    ['not_a_user', 'You have no mobile wallet yet.', '您尚未开通手机钱包。'],
    ['pending', 'Accepted. The result will come by SMS.', '交易已受理,结果将以短信通知您。'],
  ]) {
    it(`unfreeze – when the ledger refuses with ${code} – ends with its text in each language`, async () => {
      const inEnglish = await drive('unfreeze', ['135790'], refused(code), 'en');
      expect(inEnglish.last).to.deep.equal({ kind: 'message', text: en, final: true });
      const inChinese = await drive('unfreeze', ['135790'], refused(code), 'zh-CN');
      expect(inChinese.last).to.deep.equal({ kind: 'message', text: zh, final: true });
    });
  }

  it('unfreeze – when the session times out – ends without a command', async () => {
    const run = await drive('unfreeze', ['TIMEOUT'], unfrozen);
    expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
    expect(run.requests).to.have.length(0);
  });

  it('unfreeze – when the command cannot run at all – ends with the busy text', async () => {
    const run = await drive('unfreeze', ['135790'], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
  });
});

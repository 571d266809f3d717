import { expect } from 'chai';
import { drive, MSISDN, ok, refused, textOf } from './drive.js';

const SERIAL = '8600123456789012';
const toppedUp = ok({ transferId: '3', amount: '5000', balance: '15000' });

describe('topup flow', () => {
  it('topup – when card number and card PIN are given – sends one topup.card and shows amount and balance', async () => {
    const run = await drive('topup', [SERIAL, '481516'], toppedUp);
    expect(run.screens[0]).to.deep.equal({
      kind: 'prompt',
      text: 'Enter the recharge card number:',
      input: { minLength: 8, maxLength: 20, digitsOnly: true, hidden: false },
    });
    expect(run.screens[1]).to.deep.equal({
      kind: 'prompt',
      text: 'Enter the card PIN:',
      input: { minLength: 4, maxLength: 12, digitsOnly: true, hidden: true },
    });
    expect(run.requests).to.deep.equal([
      { type: 'topup.card', input: { msisdn: MSISDN, serial: SERIAL, cardPin: '481516' } },
    ]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'You topped up ¥50.00. Balance ¥150.00.',
      final: true,
    });
    expect(run.done).to.equal(true);
  });

  it('topup – in Chinese – asks and confirms in Chinese', async () => {
    const run = await drive('topup', [SERIAL, '481516'], toppedUp, 'zh-CN');
    expect(textOf(run.screens[0])).to.equal('请输入充值卡卡号:');
    expect(textOf(run.last)).to.equal('充值¥50.00成功,余额¥150.00。');
  });

  it('topup – when the card number is malformed – asks again and sends nothing', async () => {
    const run = await drive('topup', ['1234567', '123456789012345678901', '8600 1234', 'abcdefgh'], toppedUp);
    for (const screen of run.screens.slice(1)) {
      expect(screen).to.include({ kind: 'prompt', text: 'A card number has 8-20 digits. Enter it again:' });
    }
    expect(run.requests).to.have.length(0);
  });

  it('topup – when the card PIN is malformed – asks again, then tops up with a good one', async () => {
    const run = await drive('topup', [SERIAL, '123', '1234567890123', '12a4', '4815'], toppedUp);
    for (const screen of run.screens.slice(2, 5)) {
      expect(screen).to.include({ kind: 'prompt', text: 'A card PIN has 4-12 digits. Enter it again:' });
    }
    expect(run.requests).to.have.length(1);
    expect(run.requests[0].input).to.include({ cardPin: '4815' });
  });

  it('topup – after the card PIN was used – keeps it out of the snapshot', async () => {
    const run = await drive('topup', [SERIAL, '918273'], refused('voucher_invalid'));
    expect(run.persisted).not.to.include('918273');
  });

  const refusals: [string, string, string][] = [
    [
      'voucher_invalid',
      'Wrong card number or card PIN. Please check the card.',
      '卡号或卡密码错误,请核对后重试。',
    ],
    ['voucher_used', 'This card has already been used.', '该充值卡已使用过。'],
    ['not_a_user', 'You have no mobile wallet yet.', '您尚未开通手机钱包。'],
    ['account_frozen', 'Your wallet is frozen.', '您的钱包已冻结,暂不能交易。'],
    ['account_closed', 'Your wallet is closed.', '您的钱包已销户。'],
    ['pending', 'Accepted. The result will come by SMS.', '交易已受理,结果将以短信通知您。'],
  ];
  for (const [code, en, zh] of refusals) {
    it(`topup – when the ledger refuses with ${code} – ends with its text in each language`, async () => {
      const inEnglish = await drive('topup', [SERIAL, '481516'], refused(code), 'en');
      expect(inEnglish.last).to.deep.equal({ kind: 'message', text: en, final: true });
      const inChinese = await drive('topup', [SERIAL, '481516'], refused(code), 'zh-CN');
      expect(inChinese.last).to.deep.equal({ kind: 'message', text: zh, final: true });
      expect(inChinese.requests).to.have.length(1);
    });
  }

  it('topup – when the session times out – ends without a command', async () => {
    const run = await drive('topup', [SERIAL, 'TIMEOUT'], toppedUp);
    expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
    expect(run.requests).to.have.length(0);
    expect(run.done).to.equal(true);
  });

  it('topup – when the command cannot run at all – ends with the busy text', async () => {
    const run = await drive('topup', [SERIAL, '481516'], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
  });
});

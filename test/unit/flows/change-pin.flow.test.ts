import { expect } from 'chai';
import { drive, inTurn, MSISDN, ok, refused, textOf } from './drive.js';

const changed = ok({ msisdn: MSISDN });
const OLD = '135790';
const NEW = '246813';
const pinPrompt = (text: string) => ({
  kind: 'prompt',
  text,
  input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
});

describe('change-pin flow', () => {
  it('change PIN – when old, new and new again are given – sends one pin.change and confirms', async () => {
    const run = await drive('changePin', [OLD, NEW, NEW], changed);
    expect(run.screens.slice(0, 3)).to.deep.equal([
      pinPrompt('Enter your current 6-digit PIN:'),
      pinPrompt('Enter a new 6-digit PIN:'),
      pinPrompt('Enter the new PIN again:'),
    ]);
    expect(run.requests).to.deep.equal([
      { type: 'pin.change', input: { msisdn: MSISDN, oldPin: OLD, newPin: NEW } },
    ]);
    expect(run.last).to.deep.equal({ kind: 'message', text: 'Your payment PIN is changed.', final: true });
    expect(run.done).to.equal(true);
  });

  it('change PIN – after the command ran – keeps neither PIN in the snapshot', async () => {
    const run = await drive('changePin', [OLD, NEW, NEW], changed, 'zh-CN');
    expect(textOf(run.last)).to.equal('支付密码已修改,请牢记新密码。');
    expect(run.persisted).not.to.include(OLD);
    expect(run.persisted).not.to.include(NEW);
  });

  it('change PIN – when the second new PIN differs – says so and asks the new PIN again', async () => {
    const run = await drive('changePin', [OLD, NEW, '246814', NEW, NEW], changed);
    expect(run.screens[3]).to.deep.equal(pinPrompt('The two new PINs differ. Enter a new 6-digit PIN:'));
    expect(run.requests).to.have.length(1);
    expect(run.requests[0].input).to.include({ oldPin: OLD, newPin: NEW });
  });

  it('change PIN – when the new PIN equals the old one – refuses it and asks again', async () => {
    const run = await drive('changePin', [OLD, OLD], changed);
    expect(run.last).to.deep.equal(
      pinPrompt('The new PIN must differ from the current one. Enter a new 6-digit PIN:'),
    );
    expect(run.requests).to.have.length(0);
  });

  it('change PIN – when the new PIN is not 6 digits or too simple – asks again and sends nothing', async () => {
    const run = await drive(
      'changePin',
      [OLD, '12345', '1234567', 'abcdef', '111111', '123456', '654321'],
      changed,
    );
    for (const screen of run.screens.slice(2)) {
      expect(textOf(screen)).to.equal(
        'A PIN has 6 digits, not all the same and not a run like 123456. Enter a new PIN:',
      );
    }
    expect(run.requests).to.have.length(0);
  });

  it('change PIN – when the current PIN is not 6 digits – asks it again', async () => {
    const run = await drive('changePin', ['1357', OLD], changed, 'zh-CN');
    expect(textOf(run.screens[1])).to.equal('支付密码为6位数字,请输入当前支付密码:');
    expect(textOf(run.last)).to.equal('请输入新的6位支付密码:');
  });

  it('change PIN – when the current PIN is wrong – asks it again with the attempts left, then changes', async () => {
    const run = await drive(
      'changePin',
      ['975310', NEW, NEW, OLD],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), changed),
    );
    expect(run.screens[3]).to.deep.equal(
      pinPrompt('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:'),
    );
    expect(run.requests.map((r) => r.input)).to.deep.equal([
      { msisdn: MSISDN, oldPin: '975310', newPin: NEW },
      { msisdn: MSISDN, oldPin: OLD, newPin: NEW },
    ]);
    expect(textOf(run.last)).to.equal('Your payment PIN is changed.');
    expect(run.persisted).not.to.include(NEW);
  });

  it('change PIN – when the re-entered current PIN is malformed or equals the new one – asks accordingly', async () => {
    const run = await drive(
      'changePin',
      ['975310', NEW, NEW, '12', NEW, '357913', '357913'],
      inTurn(refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'), changed),
    );
    expect(textOf(run.screens[4])).to.equal('A PIN has 6 digits. Enter your current PIN:');
    // The PIN they have is the one they wanted: a new one is asked, then confirmed.
    expect(textOf(run.screens[5])).to.equal(
      'The new PIN must differ from the current one. Enter a new 6-digit PIN:',
    );
    expect(run.requests[1].input).to.deep.equal({ msisdn: MSISDN, oldPin: NEW, newPin: '357913' });
    expect(textOf(run.last)).to.equal('Your payment PIN is changed.');
  });

  it('change PIN – when the PIN is wrong three times – ends with payments locked', async () => {
    const run = await drive(
      'changePin',
      ['975310', NEW, NEW, '975311', '975312'],
      inTurn(
        refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
        refused('wrong_pin', 'wrong payment PIN; 1 attempt(s) left'),
        refused('pin_locked', 'payments are locked until 2026-11-24T00:00:00.000Z'),
      ),
    );
    expect(run.requests).to.have.length(3);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Too many wrong PINs: payments are locked for now.',
      final: true,
    });
    expect(run.persisted).not.to.include(NEW);
  });

  const refusals: [string, string, string][] = [
    [
      'pin_format',
      'A PIN has 6 digits, not all the same and not a run like 123456.',
      '支付密码须为6位数字,不能全部相同或连续。',
    ],
    ['not_a_user', 'You have no mobile wallet yet.', '您尚未开通手机钱包。'],
    ['account_closed', 'Your wallet is closed.', '您的钱包已销户。'],
    ['pin_locked', 'Too many wrong PINs: payments are locked for now.', '密码错误次数过多,支付已暂时锁定。'],
  ];
  for (const [code, en, zh] of refusals) {
    it(`change PIN – when the ledger refuses with ${code} – ends with its text in each language`, async () => {
      const inEnglish = await drive('changePin', [OLD, NEW, NEW], refused(code), 'en');
      expect(inEnglish.last).to.deep.equal({ kind: 'message', text: en, final: true });
      const inChinese = await drive('changePin', [OLD, NEW, NEW], refused(code), 'zh-CN');
      expect(inChinese.last).to.deep.equal({ kind: 'message', text: zh, final: true });
    });
  }

  it('change PIN – when the session times out after the new PIN – ends and forgets both PINs', async () => {
    const run = await drive('changePin', [OLD, NEW, 'TIMEOUT'], changed);
    expect(textOf(run.last)).to.equal('The session timed out. Please start again.');
    expect(run.requests).to.have.length(0);
    expect(run.persisted).not.to.include(OLD);
    expect(run.persisted).not.to.include(NEW);
  });

  it('change PIN – when the command cannot run at all – ends with the busy text and no PIN kept', async () => {
    const run = await drive('changePin', [OLD, NEW, NEW], () => {
      throw new Error('bus down');
    });
    expect(textOf(run.last)).to.equal('The service is busy. Please try again later.');
    expect(run.persisted).not.to.include(NEW);
  });

  it('change PIN – when both PINs come up front (SMS GM) – changes at once, as the ledger says', async () => {
    const run = await drive('changePin', [], changed, 'en', { pins: { current: OLD, next: NEW } });
    expect(run.requests).to.deep.equal([
      { type: 'pin.change', input: { msisdn: MSISDN, oldPin: OLD, newPin: NEW } },
    ]);
    expect(run.last).to.deep.equal({ kind: 'message', text: 'Your payment PIN is changed.', final: true });
    expect(run.persisted).not.to.include(OLD);
    expect(run.persisted).not.to.include(NEW);
  });

  it('change PIN – when the current PIN given up front is wrong – asks for it again and keeps it nowhere', async () => {
    const run = await drive(
      'changePin',
      [],
      refused('wrong_pin', 'wrong payment PIN; 2 attempt(s) left'),
      'en',
      { pins: { current: OLD, next: NEW } },
    );
    expect(textOf(run.last)).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(run.persisted).not.to.include(OLD);
  });
});

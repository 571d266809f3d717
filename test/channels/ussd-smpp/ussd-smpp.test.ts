import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { newMsisdn } from '../../helpers/harness.js';
import { walletBalance } from '../../helpers/ledger.js';
import { startUssdSmppRig, type UssdSmppRig } from '../../helpers/ussd-smpp-rig.js';
import { MENU, ussdSmppCases } from './cases.js';

describe('USSD over SMPP (the SMSC simulator as USSD centre, real queue and ledger)', function () {
  this.timeout(30_000);
  let rig: UssdSmppRig;
  const merchant = `p${randomUUID().slice(0, 6)}`;
  before(async () => {
    rig = await startUssdSmppRig({ locale: 'en' });
    await rig.h.merchant(merchant, 'Corner Shop');
  });
  after(() => rig.close());

  for (const c of ussdSmppCases) {
    it(c.name, async () => {
      const user = await rig.h.openWallet(newMsisdn(), 10_000n);
      const [[, first], ...rest] = c.steps(merchant);
      const { dialog, screen } = await rig.dial(user);
      expect(screen).to.equal(first);
      for (const [answer, expected] of rest)
        expect(await rig.answer(user, dialog, answer ?? '')).to.equal(expected);
      if (c.balance !== undefined) expect(await walletBalance(rig.h, user)).to.equal(c.balance);
    });
  }

  it('every screen echoes the dialog’s its_session_info, the end bit set on the last only, no receipt asked', async () => {
    const user = await rig.h.openWallet(newMsisdn(), 10_000n);
    const seen = rig.smsc.ussdSubmits.length;
    const { dialog } = await rig.dial(user);
    await rig.answer(user, dialog, '1');
    const submits = rig.smsc.ussdSubmits.slice(seen);
    expect(
      submits.map((s) => [s.op, s.end, s.sessionInfo.slice(0, 3), s.registeredDelivery, s.serviceType]),
    ).to.deep.equal([
      [2, false, dialog.slice(0, 3), 0, 'USSD'],
      [17, true, dialog.slice(0, 3), 0, 'USSD'],
    ]);
  });

  it('a dialog the user ends – closes its session: the next dial is not offered to resume it', async () => {
    const user = await rig.h.openWallet(newMsisdn(), 10_000n);
    const { dialog } = await rig.dial(user);
    await rig.answer(user, dialog, '3');
    const seen = rig.smsc.ussdSubmits.length;
    await rig.smsc.endUssd(user, dialog);
    // The next dial's first screen is the menu, not the resume offer: the ended dialog left nothing open.
    expect((await rig.dial(user)).screen).to.equal(MENU);
    expect(rig.smsc.ussdSubmits.length).to.equal(seen + 1); // the end got no screen, the dial one
  });

  it('a dialog dropped without an end – the next dial offers to resume it', async () => {
    const user = await rig.h.openWallet(newMsisdn(), 10_000n);
    const { dialog } = await rig.dial(user);
    await rig.answer(user, dialog, '4');
    const next = await rig.dial(user);
    expect(next.screen).to.equal('CON Your last session was cut off.\n1.Resume where I was\n2.Start again');
    expect(await rig.answer(user, next.dialog, '1')).to.equal('CON Enter the mobile number to send to:');
  });

  it('a Chinese screen – goes out UCS2 (data_coding 8) within 80 characters', async () => {
    const user = await rig.h.openWallet(newMsisdn(), 10_000n);
    await rig.h.run('account.locale', { msisdn: user, locale: 'zh-CN' });
    const seen = rig.smsc.ussdSubmits.length;
    await rig.dial(user);
    const [submit] = rig.smsc.ussdSubmits.slice(seen);
    expect(submit.dataCoding).to.equal(8);
    expect([...submit.text].length).to.be.at.most(80);
  });
});

import { expect } from 'chai';
import { checkLedger } from '../../../src/ledger/check.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';

describe('smoke', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => h.close());

  it('opens, tops up, pays', async () => {
    const a = newMsisdn();
    await h.openWallet(a, 10_000n);
    await h.merchant('2001');
    const paid = await h.run('payment', { msisdn: a, merchant: '2001', amount: '1250', pin: TEST_PIN });
    expect(paid).to.deep.include({ ok: true });
    const bal = await h.run('balance', { msisdn: a });
    expect(bal.ok && bal.value.balance).to.equal('8750');
    const check = await checkLedger(h.db);
    expect(check, JSON.stringify(check)).to.include({ balanced: true });
  });
});

/**
 * The outbox relay words what the ledger wrote (a text key, its parameters, the locale) as it hands each
 * row to the outbound queue; rows written before that carry their words and go as they are.
 */
import { expect } from 'chai';
import { anyUnqueuedCallbacks, anyWaitingNotices } from '../../../../src/ledger/index.js';
import { encodeParams } from '../../../../src/ledger/notices.js';
import { keyringOf } from '../../../../src/lib/keyring.js';
import { createHarness, type Harness, newMsisdn } from '../../../helpers/harness.js';

describe('outbox relay – wording notices (PostgreSQL, BullMQ)', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({}, { workers: false });
  });
  after(() => h.close());

  const mtOf = async (msisdn: string) => h.db('sms_mt').where({ msisdn }).first('text', 'job_id');

  it('the look a tick takes first – finds a row while it waits, and none once relayed', async () => {
    expect(await anyWaitingNotices(h.db)).to.equal(false);
    await h.db('outbox').insert({ msisdn: newMsisdn(), text: '您好', reason: 'topup' });
    expect(await anyWaitingNotices(h.db)).to.equal(true);
    await h.relay.relayOnce();
    expect(await anyWaitingNotices(h.db)).to.equal(false);
  });

  it("the callbacks' look – finds a callback while it waits, and none once queued", async () => {
    expect(await anyUnqueuedCallbacks(h.db)).to.equal(false);
    const [{ id }] = await h
      .db('merchant_callbacks')
      .insert({ merchant_code: 'M1', event: 'payment.succeeded', object_id: 'p1', body: '{}', command_key: 'k1' })
      .returning('id');
    expect(await anyUnqueuedCallbacks(h.db)).to.equal(true);
    await h.db('merchant_callbacks').where({ id }).update({ queued_at: h.db.fn.now() });
    expect(await anyUnqueuedCallbacks(h.db)).to.equal(false);
  });

  it('a row written with no kick – goes out on a tick', async () => {
    const msisdn = newMsisdn();
    h.relay.start();
    try {
      await h.db('outbox').insert({ msisdn, text: '您好', reason: 'topup' });
      const deadline = Date.now() + 5_000;
      while (!(await mtOf(msisdn)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await mtOf(msisdn))?.text).to.equal('您好');
    } finally {
      await h.relay.stop();
    }
  });

  it('a notice – is worded in its locale, money as ¥; a row written with its text before notices – goes as it is', async () => {
    const [fresh, old] = [newMsisdn(), newMsisdn()];
    await h.db('outbox').insert([
      {
        msisdn: fresh,
        text_key: 'notify.topup',
        params: encodeParams({ amount: 5_000n, balance: 6_000n }),
        locale: 'en',
        reason: 'topup',
      },
      { msisdn: old, text: '您已充值¥50.00,余额¥60.00。', reason: 'topup' },
    ]);
    await h.relay.relayOnce();
    expect((await mtOf(fresh))?.text).to.equal('You topped up ¥50.00. Balance ¥60.00.');
    expect((await mtOf(old))?.text).to.equal('您已充值¥50.00,余额¥60.00。');
    const job = await h.relay.queue.getJob(String((await mtOf(fresh))?.job_id));
    expect(job?.data.mts[0].text).to.equal('You topped up ¥50.00. Balance ¥60.00.');
  });

  it('a late refusal – is worded as its screen would be', async () => {
    const msisdn = newMsisdn();
    await h.db('outbox').insert({
      msisdn,
      text_key: 'refused',
      params: encodeParams({ code: 'wrong_pin', message: 'wrong payment PIN; 2 attempt(s) left' }),
      locale: 'zh-CN',
      reason: 'refused.wrong_pin',
    });
    await h.relay.relayOnce();
    expect((await mtOf(msisdn))?.text).to.equal('支付密码错误,还可尝试2次。');
  });

  it('a sensitive notice – keeps its parameters sealed until relayed, then neither them nor a text', async () => {
    const msisdn = newMsisdn();
    const keyring = keyringOf(h.config);
    const [{ id }] = await h
      .db('outbox')
      .insert({
        msisdn,
        text_key: 'notify.opened',
        params: encodeParams({ password: 'kq7mx2pa', pin: '480213' }, keyring),
        locale: 'en',
        reason: 'opened',
        sensitive: true,
      })
      .returning('id');
    expect((await h.db('outbox').where({ id }).first('params')).params).to.match(/^sealed1\./);
    await h.relay.relayOnce();
    const mt = await mtOf(msisdn);
    expect(keyring.unseal(String(mt?.text))).to.match(/Initial login password: kq7mx2pa\. Initial payment PIN: 480213\./);
    const row = await h.db('outbox').where({ id }).first('text', 'params');
    expect(row).to.deep.equal({ text: '[sent; initial passwords are not kept]', params: null });
  });

  it('a key this version has no text for – is left unrelayed, and the rows after it still go', async () => {
    const [unknown, next] = [newMsisdn(), newMsisdn()];
    await h.db('outbox').insert([
      { msisdn: unknown, text_key: 'notify.from.a.newer.version', params: '{}', locale: 'en', reason: 'x' },
      { msisdn: next, text_key: 'notify.frozen', params: '{}', locale: 'en', reason: 'frozen' },
    ]);
    await h.relay.relayOnce();
    expect((await mtOf(next))?.text).to.equal('Your wallet is frozen.');
    expect(await mtOf(unknown)).to.equal(undefined);
    expect((await h.db('outbox').where({ msisdn: unknown }).first('relayed_at')).relayed_at).to.equal(null);
    await h.db('outbox').where({ msisdn: unknown }).delete(); // not to be left for the other tests' relays
  });
});

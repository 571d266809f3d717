/**
 * Nothing secret in clear at rest in the SMS channel (INTERFACES §9), end to end through a real SMSC
 * simulator, PostgreSQL and Redis: MOs sealed until processed and masked after (whole, in parts, re-driven
 * after a crash) and keyed fingerprints.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { type SmsChannel, startSmsChannel } from '../../../../src/channels/sms/index.js';
import { loadMo, storeMo } from '../../../../src/channels/sms/mo-store.js';
import { createKeyring, type Keyring, keyringOf } from '../../../../src/lib/keyring.js';
import { maskProcessedMos } from '../../../../src/ledger/migrations/20261201000003_sms_mo_secrets.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../../helpers/harness.js';
import { expectBalanced, waitFor } from '../../../helpers/ledger.js';
import { startTestSmsc, type TestSmsc } from '../../../helpers/smsc.js';

/** The rows of the SMS tables and the outbox whose text holds `secret` (any sender; digits not inside a longer number). */
async function rowsHolding(h: Harness, secret: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of ['sms_mo', 'sms_mt', 'outbox']) {
    const rows = /^\d+$/.test(secret)
      ? await h.db(table).where('text', '~', `(^|[^0-9])${secret}([^0-9]|$)`).select('id')
      : await h.db(table).whereRaw('strpos(text, ?) > 0', [secret]).select('id');
    found.push(...rows.map((r) => `${table} ${r.id}`));
  }
  return found;
}

describe('SMS channel – secrets at rest (real SMSC simulator, PostgreSQL and Redis)', function () {
  this.timeout(60_000);
  let smsc: TestSmsc;
  let h: Harness;
  let sms: SmsChannel;
  let keyring: Keyring;

  before(async () => {
    smsc = await startTestSmsc();
    h = await createHarness({ smppUrl: smsc.smppUrl, smppTps: 1000 });
    keyring = keyringOf(h.config);
    sms = await startSmsChannel(h, { sweepEveryMs: 3_600_000 });
    await smsc.waitForBind(1, 10_000);
  });
  after(async () => {
    await sms?.stop();
    await expectBalanced(h);
    await h?.close();
    await smsc?.close();
  });

  const to = (msisdn: string) => smsc.messages.filter((m) => m.destination === msisdn);
  const replyRows = (msisdn: string) => h.db('sms_mt').where({ msisdn, reason: 'reply' }).orderBy('id');
  const moRows = (msisdn: string) => h.db('sms_mo').where({ msisdn }).orderBy('id');
  /** Sends an MO and waits for one more reply to reach the phone; returns its text. */
  async function say(msisdn: string, text: string, udh?: { ref: number; total: number; seq: number }) {
    const before = (await replyRows(msisdn)).length;
    expect((await smsc.mo(msisdn, text, udh ? { udh } : {})).commandStatus).to.equal(0);
    await waitFor(async () => (await replyRows(msisdn)).length > before, 20_000);
    const [reply] = (await replyRows(msisdn)).slice(before);
    await waitFor(async () => to(msisdn).some((m) => m.text === reply.text), 20_000);
    return reply.text as string;
  }
  const inbound = (source: string, text: string) => ({
    source,
    destination: h.config.shortCode,
    dataCoding: 0,
    text,
    udh: null,
  });

  describe('MOs', () => {
    it('sms_mo – when a PIN change is answered – keeps the text masked, and no row holds either PIN', async () => {
      const user = await h.openWallet(newMsisdn());
      expect(await say(user, `GM ${TEST_PIN} 739146`)).to.equal('支付密码已修改,请牢记新密码。');

      const [row] = await moRows(user);
      expect(row).to.include({ text: 'GM ****** ******', status: 'processed' });
      expect(await rowsHolding(h, '739146')).to.deep.equal([]);
      for (const table of ['sms_mo', 'sms_mt', 'outbox']) {
        const held = await h.db(table).where({ msisdn: user }).where('text', 'like', `%${TEST_PIN}%`);
        expect(held, table).to.deep.equal([]);
      }
    });

    it('sms_mo – while an MO waits to be processed – holds its text sealed, and reads back in clear', async () => {
      const user = newMsisdn();
      const { stored } = await storeMo(h.db, keyring, inbound(user, 'JD 654321'));
      const [row] = await moRows(user);
      expect(row.status).to.equal('received');
      expect(row.text.startsWith('sealed1.'), row.text).to.equal(true);
      expect(row.text).to.not.include('654321');
      expect(keyring.unseal(row.text)).to.equal('JD 654321');
      expect((await loadMo(h.db, keyring, stored?.id as string))?.text).to.equal('JD 654321');
    });

    it('sms_mo – when an MO stored before a crash is re-driven by the sweep – the user gets the answer and the row ends masked', async () => {
      const user = await h.openWallet(newMsisdn());
      // What a crash after the deliver_sm_resp leaves: the row, no job, no answer.
      await storeMo(h.db, keyring, inbound(user, `GM ${TEST_PIN} 902468`));
      expect((await moRows(user))[0].status).to.equal('received');
      expect(await replyRows(user)).to.deep.equal([]);

      expect(await sms.inbound.sweep(0)).to.be.at.least(1);
      await waitFor(async () => (await replyRows(user)).length === 1, 20_000);
      expect((await replyRows(user))[0].text).to.equal('支付密码已修改,请牢记新密码。');
      await waitFor(async () => to(user).length >= 1, 20_000);
      expect(to(user).map((m) => m.text)).to.include('支付密码已修改,请牢记新密码。');
      expect(await moRows(user)).to.have.length(1);
      expect((await moRows(user))[0]).to.include({ text: 'GM ****** ******', status: 'processed' });
      expect(await rowsHolding(h, '902468')).to.deep.equal([]);
    });

    it('sms_mo – when a PIN change comes in two parts that split a PIN – keeps the whole masked text on the first part and nothing on the second', async () => {
      const user = await h.openWallet(newMsisdn());
      await smsc.mo(user, 'GM 1357', { udh: { ref: 41, total: 2, seq: 1 } });
      expect(await say(user, '90 574913', { ref: 41, total: 2, seq: 2 })).to.equal(
        '支付密码已修改,请牢记新密码。',
      );
      const rows = await h.db('sms_mo').where({ msisdn: user }).orderBy('concat_seq');
      expect(rows.map((r) => [r.concat_seq, r.status, r.text])).to.deep.equal([
        [1, 'processed', 'GM ****** ******'],
        [2, 'processed', ''],
      ]);
      expect(await rowsHolding(h, '574913')).to.deep.equal([]);
    });

    it('sms_mo – when an MO is stored – its fingerprint is a keyed digest of its fields, not a plain hash', async () => {
      const user = newMsisdn();
      await storeMo(h.db, keyring, inbound(user, 'JD 654322'));
      const [row] = await moRows(user);
      const fields = `${user}\u0000${h.config.shortCode}\u00000\u0000\u0000JD 654322`;
      const plainHash = createHash('sha256').update(fields);
      expect(row.fingerprint).to.match(/^[0-9a-f]{64}$/);
      expect(row.fingerprint).to.not.equal(plainHash.copy().digest('hex'));
      expect(row.fingerprint).to.not.equal(plainHash.digest('base64url'));
      expect(row.fingerprint).to.equal(keyring.fingerprint(fields));
      expect(row.fingerprint).to.not.equal(
        createKeyring(randomBytes(32).toString('hex')).fingerprint(fields),
      );
    });
  });

  describe('migration 20261201000003', () => {
    it('maskProcessedMos – when processed MOs were kept in clear – masks whole ones by the grammar and every digit of parts; waiting ones stay', async () => {
      const user = newMsisdn();
      const base = { msisdn: user, destination: h.config.shortCode, data_coding: 0, fingerprint: 'old' };
      const [{ id: first }] = await h
        .db('sms_mo')
        .insert([
          { ...base, text: 'GM 302675 739146', status: 'processed' },
          { ...base, text: 'ZF 2001 12.50', status: 'processed' },
          { ...base, text: 'GM 3026', status: 'processed', concat_ref: 9, concat_total: 2, concat_seq: 1 },
          { ...base, text: '75 739146', status: 'processed', concat_ref: 9, concat_total: 2, concat_seq: 2 },
          { ...base, text: 'JD 654321', status: 'received' },
        ])
        .returning('id');
      await maskProcessedMos(h.db, String(BigInt(first) - 1n));
      expect((await moRows(user)).map((r) => r.text)).to.deep.equal([
        'GM ****** ******',
        'ZF 2001 12.50',
        'GM ****',
        '** ******',
        'JD 654321',
      ]);
    });
  });
});

/**
 * Nothing secret in clear at rest in the SMS channel (INTERFACES §9), end to end through a real SMSC
 * simulator, PostgreSQL and Redis: MOs sealed until processed and masked after (whole, in parts, re-driven
 * after a crash), keyed fingerprints, a new wallet's initial passwords sealed in `sms_mt`, the outbox and
 * the outbound job until the SMSC gets them in clear, and the MO flood limit (`SMS_MO_PER_MINUTE`, 4 here).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startSmsRig, stopSmsRig } from '../../../helpers/sms-rig.js';
import { expect } from 'chai';
import type { SmsChannel } from '../../../../src/channels/sms/index.js';
import { loadMo, storeMo } from '../../../../src/channels/sms/mo-store.js';
import { createKeyring, type Keyring, keyringOf } from '../../../../src/lib/keyring.js';
import type { Redis } from '../../../../src/lib/redis.js';
import { maskProcessedMos } from '../../../../src/ledger/migrations/20261201000003_sms_mo_secrets.js';
import { type Harness, newMsisdn, TEST_PIN } from '../../../helpers/harness.js';
import { walletBalance, waitFor } from '../../../helpers/ledger.js';
import { startTestSmsc, type TestSmsc } from '../../../helpers/smsc.js';

const PLACEHOLDER = '[sent; initial passwords are not kept]';

/** Every key of the run's Redis prefix and every value it holds, as text. */
async function redisContents(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      out.push(key);
      const type = await redis.type(key);
      if (type === 'string') out.push(String(await redis.get(key)));
      else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') out.push(...(await redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(...(await redis.smembers(key)));
      else if (type === 'zset') out.push(...(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out;
}

/**
 * The rows of the SMS tables and the outbox whose text (or, in the outbox, the text's parameters) holds
 * `secret` (any sender; digits not inside a longer number).
 */
async function rowsHolding(h: Harness, secret: string): Promise<string[]> {
  const found: string[] = [];
  for (const [table, column] of [
    ['sms_mo', 'text'],
    ['sms_mt', 'text'],
    ['outbox', 'text'],
    ['outbox', 'params'],
  ]) {
    const rows = /^\d+$/.test(secret)
      ? await h.db(table).where(column, '~', `(^|[^0-9])${secret}([^0-9]|$)`).select('id')
      : await h.db(table).whereRaw('strpos(??, ?) > 0', [column, secret]).select('id');
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
  const merchant = `m${randomUUID().slice(0, 6)}`;

  before(async () => {
    ({ smsc, h, sms } = await startSmsRig({ smsMoPerMinute: 4 }));
    keyring = keyringOf(h.config);
    await h.merchant(merchant, 'Corner Shop');
  });
  after(() => stopSmsRig({ smsc, h, sms }, { balanced: true }));

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

  /** Runs `work` with the SMSC gone (nothing listens), then brings it back on the same port. */
  async function whileSmscDown(work: () => Promise<void>): Promise<void> {
    const port = smsc.port;
    await smsc.close();
    await waitFor(async () => !sms.bound, 5_000);
    try {
      await work();
    } finally {
      smsc = await startTestSmsc({}, port);
      await smsc.waitForBind(1, 20_000);
    }
  }

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
      // The phone gets it (beside the SMS that opened the wallet).
      await waitFor(async () => to(user).some((m) => m.text === '支付密码已修改,请牢记新密码。'), 20_000);
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

  describe('initial passwords', () => {
    it('the new wallet’s SMS – while it waits for the SMSC – is sealed in sms_mt and in its job, nowhere in clear; the SMSC gets it in clear; sent, its row keeps the placeholder', async () => {
      const user = newMsisdn();
      let plain = '';
      await whileSmscDown(async () => {
        expect(await h.run('account.open', { msisdn: user })).to.deep.include({ ok: true });
        const mtRow = () => h.db('sms_mt').where({ msisdn: user, sensitive: true }).first();
        await waitFor(async () => (await mtRow()) !== undefined, 10_000);
        await waitFor(
          async () => (await h.db('outbox').where({ msisdn: user }).whereNull('relayed_at')).length === 0,
        );
        const row = await mtRow();
        expect(keyring.isSealed(row.text), row.text).to.equal(true);
        plain = keyring.unseal(row.text);
        const secrets =
          /初始登录密码:([^,]+),初始支付密码:(\d{6})/.exec(plain) ??
          /Initial login password: (\S+)\. Initial payment PIN: (\d{6})/.exec(plain);
        expect(secrets, plain).to.not.equal(null);
        const [, password, pin] = secrets as RegExpExecArray;

        // The job carries the sealed text; Redis holds neither secret anywhere.
        const job = await sms.outbound.getJob(row.job_id);
        expect(job?.data.mts.map((m) => keyring.isSealed(m.text))).to.deep.equal([true]);
        const redis = await redisContents(h.redis, h.config.redisPrefix);
        expect(redis.filter((v) => v.includes(password))).to.deep.equal([]);
        expect(redis.filter((v) => new RegExp(`(?<!\\d)${pin}(?!\\d)`).test(v))).to.deep.equal([]);
        // Nor does PostgreSQL: the outbox row keeps the placeholder once relayed.
        expect(await rowsHolding(h, password)).to.deep.equal([]);
        expect(await rowsHolding(h, pin)).to.deep.equal([]);
        expect((await h.db('outbox').where({ msisdn: user }).first()).text).to.equal(PLACEHOLDER);
      });

      await waitFor(async () => to(user).length >= 1, 30_000);
      expect(to(user).map((m) => m.text)).to.deep.equal([plain]);
      const sent = () => h.db('sms_mt').where({ msisdn: user, sensitive: true }).first();
      await waitFor(async () => (await sent()).status === 'sent', 10_000);
      expect((await sent()).text).to.equal(PLACEHOLDER);
    });

    it('outbox relay – when a sensitive row holds its text in clear (before account.open seals it) or sealed – the MT row and job carry it sealed, the SMSC gets it in clear', async () => {
      const [early, late] = [newMsisdn(), newMsisdn()];
      const sealed = keyring.seal('Initial payment PIN: 480214.');
      await whileSmscDown(async () => {
        await h.db('outbox').insert([
          { msisdn: early, text: 'Initial payment PIN: 480213.', reason: 'opened', sensitive: true },
          { msisdn: late, text: sealed, reason: 'opened', sensitive: true },
        ]);
        h.relay.kick();
        const mts = () => h.db('sms_mt').whereIn('msisdn', [early, late]).orderBy('id');
        await waitFor(async () => (await mts()).length === 2, 10_000);
        const [a, b] = await mts();
        expect(keyring.isSealed(a.text), a.text).to.equal(true);
        expect(keyring.unseal(a.text)).to.equal('Initial payment PIN: 480213.');
        expect(b.text).to.equal(sealed);
        for (const row of [a, b]) {
          const job = await sms.outbound.getJob(row.job_id);
          expect(job?.data.mts[0].text).to.equal(row.text);
        }
        const outbox = await h.db('outbox').whereIn('msisdn', [early, late]).select('text');
        expect(outbox.map((r) => r.text)).to.deep.equal([PLACEHOLDER, PLACEHOLDER]);
        expect(await rowsHolding(h, '480213')).to.deep.equal([]);
      });
      await waitFor(async () => to(early).length >= 1 && to(late).length >= 1, 30_000);
      expect(to(early).map((m) => m.text)).to.deep.equal(['Initial payment PIN: 480213.']);
      expect(to(late).map((m) => m.text)).to.deep.equal(['Initial payment PIN: 480214.']);
    });
  });

  describe('MO flood limit', () => {
    it('SMS_MO_PER_MINUTE 4 – when a number sends 9 MOs in a minute – the first 4 are answered, the other 5 run no command and get one reply between them; every row ends processed and masked', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const texts = [
        'YE',
        'YE',
        'YE',
        'YE',
        `ZF ${merchant} 1`,
        TEST_PIN,
        `ZF ${merchant} 1`,
        TEST_PIN,
        `JD ${TEST_PIN}`,
      ];
      for (const text of texts) expect((await smsc.mo(user, text)).commandStatus, text).to.equal(0);

      const processed = async () =>
        Number(
          (await h.db('sms_mo').where({ msisdn: user, status: 'processed' }).count('* as n').first())?.n,
        );
      await waitFor(async () => (await processed()) === 9, 30_000);
      const rows = await moRows(user);
      expect(rows.map((r) => [r.text, r.over_limit])).to.deep.equal([
        ['YE', false],
        ['YE', false],
        ['YE', false],
        ['YE', false],
        [`ZF ${merchant} 1`, true],
        ['******', true],
        [`ZF ${merchant} 1`, true],
        ['******', true],
        ['JD ******', true],
      ]);
      // Each MO's replies are written with its being marked processed: every reply is counted here.
      const replies = (await replyRows(user)).map((r) => r.text);
      expect(replies).to.have.members([
        '余额¥100.00,可用¥100.00。',
        '余额¥100.00,可用¥100.00。',
        '余额¥100.00,可用¥100.00。',
        '余额¥100.00,可用¥100.00。',
        '您发送短信过于频繁,请等一分钟后再试。',
      ]);
      expect(replies).to.have.length(5);
      expect(await walletBalance(h, user)).to.equal(10_000n);
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

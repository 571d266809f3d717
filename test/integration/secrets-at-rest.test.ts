/**
 * One scripted day of SMS use, played against the real gateway process (`src/main/gateway.ts`, as
 * `npm start` runs it) bound to the test SMSC, on a database and Redis prefix of its own: a wallet
 * opened by SMS, its PIN changed, a card top-up (a wrong card PIN first), payments with a wrong and a
 * right PIN, a merchant's payment request confirmed with the bare PIN, a transfer, and the gateway killed
 * (SIGKILL) with an MO stored but not answered, which the restarted gateway re-drives. Then an attacker's
 * view: a `pg_dump` of the database, every Redis key of the run (strings, hashes, lists, sets, sorted
 * sets, streams) and everything the gateway logged (at debug level) are searched for each PIN, card PIN
 * and password used that day (INTERFACES §9). None may be there.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { storeMo } from '../../src/channels/sms/mo-store.js';
import { createDb, type Db } from '../../src/lib/db.js';
import { keyringOf } from '../../src/lib/keyring.js';
import { createMerchant } from '../../src/ledger/merchants.js';
import { issueVouchers } from '../../src/ledger/vouchers.js';
import { newMsisdn } from '../helpers/harness.js';
import { waitFor } from '../helpers/ledger.js';
import { testEnv } from '../helpers/setup.js';
import { startTestSmsc, type TestSmsc } from '../helpers/smsc.js';

describe('secrets at rest – after a scripted day of SMS use', function () {
  this.timeout(180_000);
  const env = testEnv();
  const database = `fen_day_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(env.adminUrl), { pathname: `/${database}` }).toString();
  const prefix = `${env.redisPrefix}_day`;
  const pinKey = randomBytes(32).toString('hex');
  const config = { pinKey };
  const merchant = '2001';
  let smsc: TestSmsc;
  let db: Db;
  let redis: Redis;
  let gateway: ChildProcess | null = null;
  let logs = '';

  const admin = async (sql: string) => {
    const k = knexFactory({ client: 'pg', connection: env.adminUrl, pool: { min: 0, max: 1 } });
    try {
      await k.raw(sql);
    } finally {
      await k.destroy();
    }
  };

  async function startGateway(): Promise<void> {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main/gateway.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: databaseUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: prefix,
        PIN_KEY: pinKey,
        SMPP_URL: smsc.smppUrl,
        OPS_TOKEN: 'day-ops-token-0123456789',
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d) => (logs += d));
    proc.stderr?.on('data', (d) => (logs += d));
    gateway = proc;
    const bound = smsc.boundCount;
    await waitFor(async () => smsc.boundCount > bound || proc.exitCode !== null, 60_000);
    expect(proc.exitCode, logs.slice(-2000)).to.equal(null);
  }

  async function stopGateway(signal: NodeJS.Signals): Promise<void> {
    const proc = gateway;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
    await waitFor(async () => smsc.boundCount === 0, 10_000);
  }

  const to = (msisdn: string) => smsc.messages.filter((m) => m.destination === msisdn).map((m) => m.text);
  /** Sends an MO and waits until the phone has received `more` more messages; returns them. */
  async function say(msisdn: string, text: string, more = 1): Promise<string[]> {
    const before = to(msisdn).length;
    const answer = await smsc.mo(msisdn, text);
    expect(answer.commandStatus, text).to.equal(0);
    await waitFor(async () => to(msisdn).length >= before + more, 30_000);
    return to(msisdn).slice(before);
  }
  const balance = async (msisdn: string) =>
    (await db('accounts').where({ code: `wallet:${msisdn}` }).first('balance')).balance as bigint;

  before(async () => {
    await admin(`CREATE DATABASE ${database}`);
    db = createDb(databaseUrl, 4);
    redis = new Redis(env.redisUrl);
    smsc = await startTestSmsc();
  });

  after(async () => {
    await stopGateway('SIGKILL');
    await smsc?.close();
    await db?.destroy();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('finds no PIN, card PIN or password in the database dump, the Redis keys or the logs', async () => {
    await startGateway();
    const user = newMsisdn();
    const friend = newMsisdn();
    const secrets: Record<string, string> = {};

    // Opening by SMS: the agreement, then A; the initial passwords arrive in clear on the phone only.
    await say(user, 'KT');
    const opened = await say(user, 'A', 2);
    const passwords = opened.find((t) => t.includes('初始支付密码'));
    secrets.initialPin = /初始支付密码:(\d{6})/.exec(String(passwords))?.[1] ?? '';
    secrets.loginPassword = /初始登录密码:([a-z0-9]{8})/.exec(String(passwords))?.[1] ?? '';
    expect(secrets.initialPin, String(passwords)).to.match(/^\d{6}$/);
    expect(secrets.loginPassword, String(passwords)).to.match(/^[a-z0-9]{8}$/);
    await say(friend, 'KT');
    await say(friend, 'A', 2);

    // A PIN change: the three steps of it sit in the MO and the command.
    secrets.newPin = '740358';
    const changed = await say(user, `GM ${secrets.initialPin} ${secrets.newPin}`, 2);
    expect(changed.join('\n')).to.include('密码');

    // Card top-up: a wrong card PIN, then the right one.
    const [card] = await issueVouchers(db, keyringOf(config), 1, 10_000n);
    secrets.cardPin = card.pin;
    secrets.wrongCardPin = card.pin === '390127' ? '390128' : '390127';
    await say(user, `CZ ${card.serial} ${secrets.wrongCardPin}`);
    await say(user, `CZ ${card.serial} ${card.pin}`, 2);
    expect(await balance(user)).to.equal(10_000n);

    // Payments: a wrong PIN, then the right one.
    await createMerchant(db, keyringOf(config), { code: merchant, name: '便利店' });
    secrets.wrongPin = '615204';
    await say(user, `ZF ${merchant} 12.5`);
    await say(user, secrets.wrongPin);
    await say(user, secrets.newPin, 2);
    expect(await balance(user)).to.equal(8_750n);

    // A merchant's payment request, confirmed with the bare PIN (the request is queued as the merchant
    // API does: a command on the bus of a producer process).
    const before = to(user).length;
    const { createContext } = await import('../../src/main/context.js');
    const { loadConfig } = await import('../../src/config/index.js');
    const producer = await createContext(
      loadConfig({}, { databaseUrl, redisUrl: env.redisUrl, redisPrefix: prefix, pinKey, logLevel: 'silent' }),
      { workers: false },
    );
    try {
      const requested = await producer.bus.execute(
        {
          key: randomUUID(),
          type: 'payment.request',
          input: { merchant, msisdn: user, amount: '300', reference: randomUUID() },
        },
        20_000,
      );
      expect(requested.ok, JSON.stringify(requested)).to.equal(true);
    } finally {
      await producer.close();
    }
    await waitFor(async () => to(user).length > before, 30_000);
    await say(user, secrets.newPin, 2);
    expect(await balance(user)).to.equal(8_450n);

    // A transfer asks for the PIN; the gateway dies with that MO stored but not answered, and the
    // restarted gateway re-drives it.
    await say(user, `ZZ ${friend} 4.5`);
    await stopGateway('SIGKILL');
    const stored = await storeMo(db, keyringOf(config), {
      source: user,
      destination: '10658888',
      dataCoding: 0,
      text: secrets.newPin,
      udh: null,
    });
    expect(stored.stored).to.not.equal(null);
    // Older than the sweep's patience: a job for it was lost with the process.
    await db('sms_mo')
      .where({ id: stored.stored!.id })
      .update({ received_at: db.raw("now() - interval '5 minutes'") });
    await startGateway();
    await waitFor(async () => (await db('sms_mo').where({ id: stored.stored!.id }).first('status')).status === 'processed', 60_000);
    await waitFor(async () => (await balance(friend)) === 450n, 30_000);
    await say(user, 'YE');
    await say(user, 'MX');
    await waitFor(async () => (await db('sms_mt').where({ status: 'queued' }).select('id')).length === 0, 30_000);
    await stopGateway('SIGTERM');

    // The attacker's copy.
    const dump = execFileSync('pg_dump', ['--no-owner', databaseUrl], { maxBuffer: 256 * 1024 * 1024 }).toString();
    const keys = await redis.keys(`${prefix}*`);
    const values: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') values.push(String(await redis.get(key)));
      else if (type === 'hash') values.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') values.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') values.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') values.push(JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES')));
      else if (type === 'stream') values.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      else values.push(`${key}: ${type}`);
    }
    const redisText = `${keys.join('\n')}\n${values.join('\n')}`;

    // The search is not vacuous: the day is in all three.
    expect(dump).to.include(user);
    expect(dump).to.include(card.serial);
    expect(redisText).to.include(':sms-outbound:');
    expect(keys.length).to.be.greaterThan(10);
    expect(logs).to.include('gateway listening');

    // A secret in clear stands alone: not inside a longer run of digits or hex (ids, digests, ciphertexts).
    const found = (haystack: string, secret: string) =>
      new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(haystack);
    const leaks = Object.entries(secrets).flatMap(([name, secret]) =>
      [
        ['pg_dump', dump],
        ['redis', redisText],
        ['logs', logs],
      ]
        .filter(([, haystack]) => found(haystack, secret))
        .map(([where]) => `${name} (${secret}) in ${where}`),
    );
    expect(leaks).to.deep.equal([]);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { storedResults } from '../../../src/ledger/command-store.js';
import { expect } from 'chai';
import type { Command } from '../../../src/commands/catalog.js';
import { createContext, type Context } from '../../../src/main/context.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN, testConfig } from '../../helpers/harness.js';
import { expectBalanced, waitFor, walletBalance } from '../../helpers/ledger.js';

describe('ledger under concurrency and failure', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => h.close());

  it('200 concurrent transfers among 5 wallets – keep every invariant and never go negative', async () => {
    const wallets = await Promise.all(Array.from({ length: 5 }, () => h.openWallet(newMsisdn(), 2_000n)));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const from = wallets[i % 5];
        const to =
          wallets[(i * 7 + 1 + Math.floor(i / 5)) % 5] === from
            ? wallets[(i + 1) % 5]
            : wallets[(i * 7 + 1 + Math.floor(i / 5)) % 5];
        return h.run('transfer', { msisdn: from, to, amount: String(100 + ((i * 37) % 700)), pin: TEST_PIN });
      }),
    );
    const refused = results.filter((r) => !r.ok);
    expect(results.filter((r) => r.ok).length).to.be.greaterThan(20);
    // Refusals are business outcomes only: money or limits, never a lost or failed command.
    for (const r of refused) expect(['insufficient_funds', 'limit_daily']).to.include(!r.ok && r.error.code);
    const balances = await Promise.all(wallets.map((w) => walletBalance(h, w)));
    for (const b of balances) expect(b >= 0n).to.equal(true);
    expect(balances.reduce((a, b) => a + b, 0n)).to.equal(10_000n);
    await expectBalanced(h);
  });

  it('the same command enqueued twice – applies once and both callers get the one result', async () => {
    const a = await h.openWallet(newMsisdn(), 5_000n);
    const b = await h.openWallet(newMsisdn());
    const command: Command<'transfer'> = {
      key: randomUUID(),
      type: 'transfer',
      input: { msisdn: a, to: b, amount: '700', pin: TEST_PIN },
    };
    await h.bus.send(command);
    const [first, second] = await Promise.all([h.bus.execute(command), h.bus.execute(command)]);
    expect(first).to.deep.equal(second);
    expect(await walletBalance(h, b)).to.equal(700n);
    expect(
      await h.db('transfers').where({ command_key: command.key }).count<{ count: bigint }[]>('* as count'),
    ).to.deep.equal([{ count: 1n }]);
  });

  it('an envelope of commands sent twice, and one of them again alone – each applies once', async () => {
    const a = await h.openWallet(newMsisdn(), 9_000n);
    const b = await h.openWallet(newMsisdn());
    const commands: Command<'transfer'>[] = Array.from({ length: 3 }, (_, i) => ({
      key: randomUUID(),
      type: 'transfer',
      input: { msisdn: a, to: b, amount: String(100 * (i + 1)), pin: TEST_PIN },
    }));
    await h.bus.sendMany(commands, 3);
    await h.bus.sendMany(commands, 3);
    const alone = await h.bus.execute(commands[1]);
    expect(alone.ok).to.equal(true);
    const keys = commands.map((c) => c.key);
    // Both sends made one job, and its result is the three results in order.
    const envelopes = async () =>
      (
        await Promise.all(
          h.bus.allQueues.map((q) => q.getJobs(['completed', 'active', 'waiting', 'delayed'])),
        )
      )
        .flat()
        .filter(
          (j) =>
            j.name === 'envelope' &&
            h.runner.openEnvelope(j.data).some((c: Command) => c.key === keys[0]),
        );
    expect(await envelopes()).to.have.length(1);
    await waitFor(async () => Array.isArray((await envelopes())[0]?.returnvalue));
    const [done] = await envelopes();
    expect(done.returnvalue.map((r: { ok: boolean }) => r.ok)).to.deep.equal([true, true, true]);
    expect(
      await h.db('transfers').whereIn('command_key', keys).count<{ count: bigint }[]>('* as count'),
    ).to.deep.equal([{ count: 3n }]);
  });

  describe('a worker process killed (SIGKILL) mid-batch and restarted', () => {
    let producer: Context;
    let child: ChildProcess | null = null;
    const config = testConfig({ jobLockMs: 4000 });

    const startWorker = async (): Promise<ChildProcess> => {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/command-worker.ts'], {
        env: {
          ...process.env,
          // Named, so the test can tell the worker's transactions from everyone else's.
          DATABASE_URL: `${config.databaseUrl}?application_name=crash-worker`,
          REDIS_URL: config.redisUrl,
          REDIS_PREFIX: config.redisPrefix,
          PIN_KEY: config.pinKey,
          JOB_LOCK_MS: '4000',
          WORKER_CONCURRENCY: '200',
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        proc.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        proc.on('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
      });
      return proc;
    };

    before(async () => {
      producer = await createContext(config, { workers: false });
    });
    after(async () => {
      child?.kill('SIGKILL');
      await producer.close();
    });

    it('leaves every command applied exactly once', async function () {
      this.timeout(120_000);
      const wallets = await Promise.all(Array.from({ length: 40 }, () => h.openWallet(newMsisdn(), 20_000n)));
      const commands: Command<'transfer'>[] = Array.from({ length: 3000 }, (_, i) => ({
        key: `crash-${randomUUID()}`,
        type: 'transfer',
        input: {
          msisdn: wallets[i % 40],
          to:
            wallets[(i * 13 + 7) % 40] === wallets[i % 40]
              ? wallets[(i + 1) % 40]
              : wallets[(i * 13 + 7) % 40],
          amount: String(1 + (i % 50)),
          pin: TEST_PIN,
        },
      }));
      const keys = commands.map((c) => c.key);
      const done = async () =>
        Number(
          (await producer.db('commands').whereIn('key', keys).count<{ count: bigint }[]>('* as count'))[0]
            .count,
        );

      await producer.bus.sendMany(commands);
      child = await startWorker();
      // Once a first batch has committed, kill it while another of its batch transactions has written
      // and not committed. The worker is frozen (SIGSTOP) first, so it cannot send that COMMIT
      // between our look and the kill: a transaction seen idle with an xid twice, 100 ms apart,
      // while the worker is stopped is one that PostgreSQL has no COMMIT for.
      await waitFor(async () => (await done()) > 0, 60_000);
      const openXid = async () => {
        const { rows } = await producer.db.raw(
          "SELECT backend_xid::text AS xid FROM pg_stat_activity WHERE application_name = 'crash-worker' AND backend_xid IS NOT NULL AND state = 'idle in transaction' ORDER BY backend_xid::text",
        );
        return (rows as { xid: string }[]).map((r) => r.xid);
      };
      let xid = '';
      await waitFor(async () => {
        child!.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 100));
        const first = await openXid();
        await new Promise((r) => setTimeout(r, 100));
        const second = await openXid();
        xid = first.find((x) => second.includes(x)) ?? '';
        child!.kill(xid ? 'SIGKILL' : 'SIGCONT');
        return Boolean(xid);
      }, 60_000);
      await new Promise((r) => child!.once('exit', r));
      const atKill = await done();
      expect(atKill, 'killed before everything was done').to.be.lessThan(commands.length);
      // That transaction never committed: PostgreSQL rolled it back when its connection died.
      await waitFor(async () => {
        const { rows } = await producer.db.raw(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'crash-worker'",
        );
        return rows[0].n === 0;
      });
      const { rows: status } = await producer.db.raw(
        `SELECT pg_xact_status((((pg_current_xact_id()::text::bigint >> 32) << 32) | ?::bigint)::text::xid8) AS s`,
        [xid],
      );
      expect(status[0].s, `transaction ${xid}`).to.equal('aborted');

      child = await startWorker();
      await waitFor(async () => (await done()) === commands.length, 90_000);

      const dupes = await producer
        .db('transfers')
        .whereIn('command_key', keys)
        .groupBy('command_key')
        .havingRaw('count(*) > 1')
        .select('command_key');
      expect(dupes).to.deep.equal([]);
      const stored = [...(await storedResults(producer.db, keys)).values()];
      const applied = stored.filter((r) => r.result.ok).length;
      const transfers = Number(
        (
          await producer.db('transfers').whereIn('command_key', keys).count<{ count: bigint }[]>('* as count')
        )[0].count,
      );
      expect(transfers).to.equal(applied);
      // Every job finished as completed (a refusal is a completion), none failed for good.
      const failed = (await Promise.all(producer.bus.allQueues.map((q) => q.getFailedCount()))).reduce(
        (a, b) => a + b,
        0,
      );
      const reasons = (await Promise.all(producer.bus.allQueues.map((q) => q.getFailed(0, 3))))
        .flat()
        .map((j) => j.failedReason);
      expect(failed, JSON.stringify(reasons)).to.equal(0);
      const total = (await Promise.all(wallets.map((w) => walletBalance(h, w)))).reduce((a, b) => a + b, 0n);
      expect(total).to.equal(40n * 20_000n);
      await expectBalanced(h);
    });
  });
});

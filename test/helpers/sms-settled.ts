/**
 * The state that settles what the SMS channel owes some phones, for tests that count what arrived. A
 * sleep followed by "no duplicate came" goes falsely green under load, exactly when a late duplicate
 * would show: instead, wait until nothing is left that could still send anything to those phones, then
 * count.
 *
 * Nothing more can reach a phone once every MO from it is `processed` (a later run of it answers "done
 * already"; its replies keep their ids), every outbox row for it is relayed (the relay stores the MT row
 * and adds its job before it marks the row), none of its MT rows is `queued`, and the queues hold no
 * job waiting, active, delayed or held back by the limiter (a job completes only after its submits were
 * answered, so a job that ran twice has shown its duplicate by then).
 */
import type { Queue } from 'bullmq';
import type { Db } from '../../src/lib/db.js';
import { waitFor } from './ledger.js';
import type { TestSmsc } from './smsc.js';

/** The job states in which a job may still run (and send). */
const UNFINISHED = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** How many jobs of each queue may still run: 0 for all of them is an idle, drained set of queues. */
export async function unfinishedJobs(queues: readonly Queue[]): Promise<number> {
  let n = 0;
  for (const q of queues) {
    const counts = await q.getJobCounts(...UNFINISHED);
    for (const state of UNFINISHED) n += counts[state] ?? 0;
  }
  return n;
}

export interface SettleScope {
  db: Db;
  /** Every queue that could still produce an SMS for the phones: outbound, inbound, the command queues. */
  queues: readonly Queue[];
  smsc: TestSmsc;
}

/** What is still owed to `msisdns`, for the message when it does not settle. */
async function owed(scope: SettleScope, msisdns: readonly string[]) {
  const { db, queues, smsc } = scope;
  const [mos, outbox, mts, sent] = await Promise.all([
    db('sms_mo').whereIn('msisdn', msisdns).where({ status: 'received' }).select('id', 'msisdn'),
    db('outbox').whereIn('msisdn', msisdns).whereNull('relayed_at').select('id', 'reason'),
    db('sms_mt').whereIn('msisdn', msisdns).where({ status: 'queued' }).select('job_id', 'attempts', 'error'),
    db('sms_mt').whereIn('msisdn', msisdns).whereNotNull('sent_at').select('msisdn'),
  ]);
  // Accepted by the SMSC before its row says so: every row recorded sent has its message at the SMSC.
  const unseen = msisdns.filter(
    (m) =>
      smsc.messages.filter((r) => r.destination === m).length <
      sent.filter((r: { msisdn: string }) => r.msisdn === m).length,
  );
  return { mos, outbox, mts, unseen, jobs: await unfinishedJobs(queues) };
}

/** Waits until nothing more can be sent to `msisdns` (see the header); then the test counts. */
export async function smsSettled(
  scope: SettleScope,
  msisdns: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const settled = (o: Awaited<ReturnType<typeof owed>>) =>
    o.mos.length === 0 &&
    o.outbox.length === 0 &&
    o.mts.length === 0 &&
    o.unseen.length === 0 &&
    o.jobs === 0;
  try {
    await waitFor(async () => settled(await owed(scope, msisdns)), timeoutMs);
  } catch (err) {
    // Row ids come back as bigint, which JSON.stringify refuses.
    const left = JSON.stringify(await owed(scope, msisdns), (_, v) =>
      typeof v === 'bigint' ? String(v) : v,
    );
    throw new Error(`SMS to ${msisdns.join(', ')} not settled: ${left} (${err})`);
  }
}

/** Polls until `check` holds, like `waitFor`; a timeout says what never came to be. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  try {
    await waitFor(check, timeoutMs);
  } catch {
    throw new Error(`timed out waiting until ${what}`);
  }
}

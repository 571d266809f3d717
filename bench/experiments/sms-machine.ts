/**
 * The SMS conversation's machine alone, NOT part of `npm run bench`: `YE` (a balance) sent to a fresh
 * actor of flows/sms.flow.ts with a `runCommand` that answers at once, `N` times a round; prints the CPU
 * per MO of XState and the flow, no I/O at all. For comparing two versions of the flows precisely on a
 * machine too noisy for `sms.latency`: `ROOT=/path/to/checkout npx tsx bench/experiments/sms-machine.ts`
 * (default: this checkout).
 */
import { createActor, fromPromise, waitFor } from 'xstate';

const root = process.env.ROOT ?? new URL('../..', import.meta.url).pathname;
const n = Number(process.env.N ?? 20_000);
const flows = await import(`${root}/flows/index.ts`);
const grammar = await import(`${root}/flows/grammar/index.ts`);
const runCommand = fromPromise(async () => ({ ok: true, value: { balance: '10000', available: '10000' } }));
const findPaymentRequests = fromPromise(async () => []);
const machine = flows.bindSms(runCommand, findPaymentRequests);

async function mo(): Promise<string[]> {
  const actor = createActor(machine, {
    input: { msisdn: '8613900000001', locale: 'zh-CN', registered: true },
  });
  actor.subscribe({ error: () => {} });
  actor.start();
  actor.send(flows.smsEvent(grammar.parseSms('YE', { locale: 'zh-CN' })));
  const done = await waitFor(actor, (s) => s.status !== 'active' || !s.hasTag(flows.BUSY));
  actor.stop();
  return (done.context as { replies: string[] }).replies;
}

console.log('reply:', await mo());
for (let round = 0; round < 5; round++) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await mo();
  const spent = process.cpuUsage(cpu);
  console.log(`round ${round}: ${((spent.user + spent.system) / n).toFixed(1)} µs of CPU per MO`);
}

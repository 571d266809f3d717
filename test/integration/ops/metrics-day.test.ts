/**
 * `/metrics` after a small test day: wallets opened by SMS over a real SMPP bind, USSD dials, payments,
 * top-ups and operator calls whose paths hold MSISDNs. The scrape must cover HTTP, the SMS channel and
 * SMPP, the queues, the day's ledger figures, the sessions, flows and commands, and no label may hold an
 * MSISDN (or any long run of digits).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SmsMetrics, startSmsChannel, type SmsChannel } from '../../../src/channels/sms/index.js';
import { ussdRoutes } from '../../../src/channels/ussd/index.js';
import { nationalMsisdn } from '../../../src/lib/msisdn.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { waitFor } from '../../helpers/ledger.js';
import { createOwnDatabase, type OwnDatabase } from '../../helpers/own-database.js';
import { startTestSmsc, type TestSmsc } from '../../helpers/smsc.js';
import { startServer, type TestServer } from './server.js';

describe('ops: /metrics after a test day', function () {
  this.timeout(60_000);
  let own: OwnDatabase;
  let smsc: TestSmsc;
  let h: Harness;
  let sms: SmsChannel;
  let server: TestServer;
  before(async () => {
    // A database of its own: the day's figures are exact only where no other test adds to them.
    own = await createOwnDatabase('ops_metrics');
    smsc = await startTestSmsc();
    h = await createHarness({ databaseUrl: own.url, smppUrl: smsc.smppUrl, smppTps: 1000 });
    const metrics = new SmsMetrics();
    // The channels on the one session runtime, as the gateway builds it: it reports to the harness's metrics.
    const deps = channelDepsOf(h);
    sms = await startSmsChannel(deps, { sweepEveryMs: 3_600_000, metrics });
    await smsc.waitForBind(1, 10_000);
    server = await startServer(h, {
      routers: [ussdRoutes(deps)],
      registerMetrics: (registry) => metrics.register(registry),
    });
  });
  after(async () => {
    await server?.close();
    await sms?.stop();
    await h?.close();
    await smsc?.close();
    await own?.drop();
  });

  it('GET /metrics – after SMS, USSD, payments, top-ups and operator calls – covers HTTP, SMS, SMPP, queues, the day, sessions, flows and commands, with no MSISDN in any label', async () => {
    const numbers: string[] = [];
    const stranger = newMsisdn();
    numbers.push(stranger);
    const to = () => smsc.messages.filter((m) => m.destination === stranger);
    await smsc.mo(stranger, 'KT');
    await waitFor(async () => to().length >= 1, 20_000);
    await smsc.mo(stranger, 'A');
    await waitFor(async () => Boolean(await h.db('users').where({ msisdn: stranger }).first()), 20_000);
    await h.merchant(`md_${process.pid}`);
    for (let i = 0; i < 3; i++) {
      const m = await h.openWallet(newMsisdn(), 5_000n);
      numbers.push(m);
      const paid = await h.run(
        'payment',
        { msisdn: m, merchant: `md_${process.pid}`, amount: '300', pin: TEST_PIN, reference: randomUUID() },
        `ussd:${randomUUID()}:0:0`,
      );
      expect(paid.ok).to.equal(true);
      expect((await server.ops('GET', `/api/accounts/${nationalMsisdn(m)}`)).status).to.equal(200);
      expect((await server.ops('GET', `/api/accounts/${m}/sms`)).status).to.equal(200);
      expect(
        (await server.ops('POST', '/api/topups', { msisdn: m, amount: 100, reference: randomUUID() })).status,
      ).to.equal(201);
      expect((await server.ops('POST', `/api/accounts/${m}/freeze`, { reason: 'test' })).status).to.equal(
        200,
      );
    }
    // A user dials USSD for the balance; a stranger dials and leaves.
    const ussd = (phoneNumber: string, sessionId: string, text: string) =>
      server.call('POST', '/ussd', { body: { sessionId, serviceCode: '*1065#', phoneNumber, text } });
    const dialled = randomUUID();
    expect((await ussd(numbers[1], dialled, '')).text).to.match(/^CON /);
    expect((await ussd(numbers[1], dialled, '1')).text).to.match(/^END /);
    const guest = newMsisdn();
    numbers.push(guest);
    expect((await ussd(guest, randomUUID(), '')).text).to.match(/^CON /);

    const nobody = newMsisdn();
    numbers.push(nobody);
    expect((await server.ops('GET', `/api/accounts/${nobody}`)).status).to.equal(404);
    expect((await server.call('GET', `/no-such-path/${nobody}`)).status).to.equal(404);

    const text = (await server.call('GET', '/metrics')).text;
    for (const name of [
      'fen_http_requests_total{method="GET",route="/api/accounts/:msisdn",status="200"}',
      'fen_http_requests_total{method="GET",route="/api/accounts/:msisdn",status="404"}',
      'fen_http_requests_total{method="POST",route="/api/topups",status="201"}',
      'fen_http_requests_total{method="GET",route="unmatched",status="404"}',
      'fen_smpp_bound{',
      'fen_sms_mo_total{',
      'fen_queue_jobs{queue="sms-outbound"',
      'fen_day_transfers{kind="payment",channel="ussd"} 3',
      'fen_day_transfers{kind="topup_counter",channel="api"} 6',
      'fen_day_new_wallets 4',
      'fen_session_steps_total{channel="sms",outcome="answered"} 2',
      'fen_sessions_started_total{channel="sms"} 1',
      'fen_flow_steps_total{channel="sms",flow="open",screen="prompt"} 1',
      'fen_flow_steps_total{channel="sms",flow="confirm",screen="final"} 1',
      'fen_session_steps_total{channel="ussd",outcome="answered"} 3',
      'fen_sessions_started_total{channel="ussd"} 2',
      'fen_flow_steps_total{channel="ussd",flow="menu",screen="menu"} 2',
      'fen_commands_total{type="payment",outcome="ok"} 3',
      'fen_commands_total{type="account.freeze",outcome="ok"} 3',
      'fen_command_waits_total{type="topup.counter",outcome="answered"} 6',
      'fen_command_seconds_bucket{le="+Inf",type="payment"} 3',
    ])
      expect(text, name).to.include(name);
    for (const m of numbers) {
      expect(text).not.to.include(m);
      expect(text).not.to.include(nationalMsisdn(m));
    }
    const labelValues = [...text.matchAll(/^[a-z_]+\{([^}]*)\}/gm)].flatMap((line) =>
      [...line[1].matchAll(/="([^"]*)"/g)].map((v) => v[1]),
    );
    expect(labelValues.length).to.be.above(20);
    expect(labelValues.filter((v) => /\d{7,}/.test(v))).to.deep.equal([]);
  });
});

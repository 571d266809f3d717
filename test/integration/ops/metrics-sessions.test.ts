/**
 * `/metrics` covers every channel's sessions, the flows' screens and how commands end: real USSD sessions
 * (a payment that succeeds, one refused, a retried request), an STK session, and a USSD payment no worker
 * runs in time, through the real app; the scrape must show exactly those counts, by bounded labels only.
 * Each harness has its own metrics, so the counts are this test's alone.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { stkRoutes } from '../../../src/channels/stk/index.js';
import { ussdRoutes } from '../../../src/channels/ussd/index.js';
import { StkPhone } from '../../channels/stk/stk-phone.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { startServer, type TestServer } from './server.js';

/** The value of one series in a scrape (0 when absent), by its exact name and labels. */
function seriesValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('ops: /metrics covers sessions, flows and commands', function () {
  this.timeout(60_000);
  let h: Harness;
  let server: TestServer;
  const merchant = `mt${randomUUID().slice(0, 6)}`;
  before(async () => {
    h = await createHarness({ locale: 'en', stkPushCheckMs: 0 });
    const deps = channelDepsOf(h);
    server = await startServer(h, { routers: [ussdRoutes(deps), stkRoutes(deps)] });
    await h.merchant(merchant, 'Corner Shop');
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  const ussd = (on: TestServer, sessionId: string, phoneNumber: string, text: string) =>
    on.call('POST', '/ussd', { body: { sessionId, serviceCode: '*1065#', phoneNumber, text } });
  /** Dials and answers each input in turn, as Africa's Talking sends them (every input so far, joined by `*`). */
  async function dial(on: TestServer, sessionId: string, msisdn: string, inputs: string[]): Promise<string> {
    let reply = (await ussd(on, sessionId, msisdn, '')).text;
    for (let i = 1; i <= inputs.length; i++)
      reply = (await ussd(on, sessionId, msisdn, inputs.slice(0, i).join('*'))).text;
    return reply;
  }

  it('USSD payments (paid, refused, retried), an STK balance and a late USSD payment – move exactly their counters, with no number in any label', async () => {
    const payer = await h.openWallet(newMsisdn(), 10_000n);
    const paid = randomUUID();
    expect(await dial(server, paid, payer, ['3', merchant, '12.5', TEST_PIN])).to.equal(
      'END You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    );
    // The gateway retries the last request: the same answer from the record, nothing run again.
    const again = await ussd(server, paid, payer, ['3', merchant, '12.5', TEST_PIN].join('*'));
    expect(again.text).to.equal('END You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    // More than the balance: the ledger refuses it.
    const refused = await dial(server, randomUUID(), payer, ['3', merchant, '200', TEST_PIN]);
    expect(refused).to.match(/not enough/);

    const stk = new StkPhone(server, payer, 'json');
    expect(await stk.do({ menu: null })).to.match(/^SELECT /);
    expect(await stk.do({ select: 1 })).to.equal('DISPLAY Balance ¥87.50, available ¥87.50.');
    expect(await stk.do('ok')).to.equal('END');

    // A gateway whose commands no worker runs in time: the payment is answered "by SMS" (late).
    const producer = await createHarness({ locale: 'en', ussdDeadlineMs: 300 }, { workers: false });
    const slow = await startServer(producer, { routers: [ussdRoutes(channelDepsOf(producer))] });
    let late: string;
    try {
      late = await dial(slow, randomUUID(), payer, ['3', merchant, '1', TEST_PIN]);
      expect(late).to.match(/^END .*SMS/);
      const text = (await slow.call('GET', '/metrics')).text;
      expect(seriesValue(text, 'fen_command_waits_total{type="payment",outcome="late"}')).to.equal(1);
      expect(seriesValue(text, 'fen_session_steps_total{channel="ussd",outcome="answered"}')).to.equal(5);
    } finally {
      await slow.close();
      await producer.close();
    }

    const text = (await server.call('GET', '/metrics')).text;
    const expected: Record<string, number> = {
      // Two dials of five requests each, and the retried one.
      'fen_session_steps_total{channel="ussd",outcome="answered"}': 10,
      'fen_session_steps_total{channel="ussd",outcome="replayed"}': 1,
      'fen_session_steps_total{channel="ussd",outcome="failed"}': 0,
      'fen_session_step_seconds_count{channel="ussd"}': 11,
      'fen_sessions_started_total{channel="ussd"}': 2,
      'fen_sessions_ended_total{channel="ussd",how="final"}': 2,
      'fen_session_steps_total{channel="stk",outcome="answered"}': 3,
      'fen_sessions_started_total{channel="stk"}': 1,
      'fen_sessions_ended_total{channel="stk",how="final"}': 1,
      // The root menu twice, then the pay journey: three prompts and its last screen, twice over.
      'fen_flow_steps_total{channel="ussd",flow="menu",screen="menu"}': 2,
      'fen_flow_steps_total{channel="ussd",flow="pay",screen="prompt"}': 6,
      'fen_flow_steps_total{channel="ussd",flow="pay",screen="final"}': 2,
      'fen_flow_steps_total{channel="stk",flow="menu",screen="menu"}': 1,
      // The balance began and ended in one step from the root menu: its last screen counts under the menu.
      'fen_flow_steps_total{channel="stk",flow="menu",screen="final"}': 1,
      // The commands, as run by this gateway's workers and as the channels waited for them.
      'fen_commands_total{type="payment",outcome="ok"}': 1,
      'fen_commands_total{type="payment",outcome="insufficient_funds"}': 1,
      'fen_commands_total{type="balance",outcome="ok"}': 1,
      'fen_command_seconds_count{type="payment"}': 2,
      'fen_command_waits_total{type="payment",outcome="answered"}': 2,
      'fen_command_waits_total{type="payment",outcome="late"}': 0,
      'fen_command_waits_total{type="balance",outcome="answered"}': 1,
      'fen_command_wait_seconds_count{type="payment"}': 2,
    };
    const got = Object.fromEntries(
      Object.keys(expected).map((series) => [series, seriesValue(text, series)]),
    );
    expect(got).to.deep.equal(expected);

    // Labels say what kind, never who or how much.
    const labelValues = [...text.matchAll(/^fen_[a-z_]+\{([^}]*)\}/gm)].flatMap((line) =>
      [...line[1].matchAll(/="([^"]*)"/g)].map((v) => v[1]),
    );
    expect(labelValues.filter((v) => /\d{5,}/.test(v) || v === merchant || v === paid)).to.deep.equal([]);
    expect(text).not.to.include(payer);
  });
});

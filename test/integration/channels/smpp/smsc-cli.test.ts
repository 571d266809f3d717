/**
 * `npm run smsc` as a person uses it: the process listens, prints the SMPP_URL, sends what is typed on
 * its stdin as an MO to the bound ESME, prints the MT it gets back and answers it with a receipt.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { expect } from 'chai';
import { type InboundPdu, type InboundUssd, SmppLink } from '../../../../src/channels/smpp/index.js';
import { waitFor } from '../../../helpers/ledger.js';

describe('npm run smsc (the interactive SMSC simulator)', function () {
  this.timeout(30_000);
  let child: ChildProcessWithoutNullStreams;
  let link: SmppLink | null = null;
  let output = '';

  before(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main/smsc.ts', '--port', '0', '--dlr-ms', '50']);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    await waitFor(async () => /SMPP_URL=\S+/.test(output), 15_000);
  });
  after(async () => {
    await link?.stop();
    child.kill('SIGTERM');
  });

  it('typed "<msisdn> <text>" – reaches the bound ESME as an MO; the MT it answers is printed and receipted', async () => {
    const url = /SMPP_URL=(\S+)/.exec(output)?.[1] as string;
    const received: InboundPdu[] = [];
    link = new SmppLink({ url, reconnect: { initialMs: 100, maxMs: 500 } });
    link.onDeliver(async (pdu) => {
      received.push(pdu);
    });
    await link.start();
    await link.whenBound(5_000);
    await waitFor(async () => output.includes('bind_transceiver'), 5_000);

    child.stdin.write('13800138000 余额\n');
    await waitFor(async () => received.some((p) => !p.receipt), 5_000);
    const mo = received.find((p) => !p.receipt) as InboundPdu;
    expect(mo.source).to.equal('13800138000');
    expect(mo.text).to.equal('余额');
    await waitFor(async () => output.includes('> MO 13800138000'), 5_000);

    await link.submit({ source: '10658888', destination: '8613800138000', text: '余额¥12.50' });
    await waitFor(async () => output.includes('余额¥12.50') && output.includes('> DLR'), 5_000);
    expect(output).to.match(/< MT 10658888 -> 8613800138000 \[UCS2\]/);
    await waitFor(async () => received.some((p) => p.receipt?.state === 'delivered'), 5_000);
  });

  it('typed "ussd <msisdn>", then an answer – dials the USSD code and answers the screen; the screens are printed', async () => {
    const url = /SMPP_URL=(\S+)/.exec(output)?.[1] as string;
    const dialled: InboundUssd[] = [];
    link ??= new SmppLink({ url, reconnect: { initialMs: 100, maxMs: 500 } });
    const esme = link;
    esme.onUssd(async (pdu) => {
      dialled.push(pdu);
      const final = pdu.ussd.serviceOp === 18;
      const info = Buffer.from(pdu.ussd.sessionInfo as Buffer);
      if (final) info[1] |= 1;
      void pdu.responded.then(() =>
        esme.submitUssd({
          destination: pdu.source,
          source: pdu.destination,
          text: final ? '余额 ¥1.00' : '1 balance',
          op: final ? 17 : 2,
          sessionInfo: info,
        }),
      );
    });
    await esme.start();
    await esme.whenBound(5_000);

    child.stdin.write('ussd 13800138000\n');
    await waitFor(async () => output.includes('< USSD CON -> 8613800138000'), 5_000);
    child.stdin.write('ussd 13800138000 1\n');
    await waitFor(async () => output.includes('< USSD END -> 8613800138000'), 5_000);
    expect(dialled.map((p) => [p.ussd.serviceOp, p.text, p.destination])).to.deep.equal([
      [1, '*1065#', '*1065#'],
      [18, '1', '*1065#'],
    ]);
    expect(output).to.include('    余额 ¥1.00');
    expect(output).to.match(/> USSD 13800138000 dials \*1065# \[session [0-9a-f]{4}, acknowledged\]/);
  });
});

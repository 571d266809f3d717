/**
 * `npm run smsc`: a local SMSC for trying the gateway with no carrier. It accepts any bind (and prints
 * the credentials), prints every MT the gateway submits (concatenated parts reassembled), answers each
 * with a DELIVRD receipt after a short delay, and sends what you type as MOs:
 *
 *   13800138000 KT        an SMS "KT" from 13800138000 to the short code
 *   ussd 13800138000      13800138000 dials the USSD code (or `ussd 13800138000 *1065*2#`)
 *   ussd 13800138000 1    answers the screen of that number's open USSD dialog; `... end` hangs up
 *
 * Options: --port 2775, --host 127.0.0.1, --short-code $SHORT_CODE or 10658888, --dlr-ms 1000 (0: none),
 * --ussd-code $USSD_SERVICE_CODE or *1065#.
 */
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { encodeMt, SmscSimulator, statusName } from '../channels/smpp/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '2775' },
    host: { type: 'string', default: '127.0.0.1' },
    'short-code': { type: 'string', default: process.env.SHORT_CODE ?? '10658888' },
    'dlr-ms': { type: 'string', default: '1000' },
    'ussd-code': { type: 'string', default: process.env.USSD_SERVICE_CODE ?? '*1065#' },
  },
});
const shortCode = values['short-code'];
const dlrMs = Number(values['dlr-ms']);
const CODINGS: Record<number, string> = { 0: 'GSM/ASCII', 3: 'Latin-1', 8: 'UCS2' };

const say = (line: string) => process.stdout.write(`${line}\n`);
const smsc = new SmscSimulator({ shortCode, autoDlrMs: dlrMs > 0 ? dlrMs : null });

smsc.on('bind', (bind) =>
  say(`< ${bind.command} from ${bind.remote}: system_id=${bind.systemId} password=${bind.password}`),
);
smsc.on('unbind', (session) => say(`< unbind (session ${session})`));
smsc.on('close', (session) => say(`  connection closed (session ${session})`));
smsc.on('submit', (submit) => {
  if (submit.concat)
    say(`< submit_sm part ${submit.concat.seq}/${submit.concat.total} id ${submit.messageId}`);
});
smsc.on('message', (message) => {
  const ids = message.parts.map((p) => p.messageId).join(',');
  const parts = message.parts.length > 1 ? `, ${message.parts.length} parts` : '';
  const coding = CODINGS[message.dataCoding] ?? `data_coding ${message.dataCoding}`;
  say(`< MT ${message.source} -> ${message.destination} [${coding}${parts}] id ${ids}`);
  say(`    ${message.text.replace(/\n/g, '\n    ')}`);
});
smsc.on('receipt', (id, stat, answer) => say(`> DLR ${id} stat:${stat} (${describe(answer.commandStatus)})`));
smsc.on('ussd', (screen) => {
  say(
    `< USSD ${screen.end ? 'END' : 'CON'} -> ${screen.destination} [op ${screen.op}, session ${screen.sessionInfo}]`,
  );
  say(`    ${screen.text.replace(/\n/g, '\n    ')}`);
  if (!screen.end) return;
  for (const [msisdn, info] of ussdDialogs)
    if (info === openInfo(screen.sessionInfo)) ussdDialogs.delete(msisdn);
});

/** The open USSD dialog of each number typed: its its_session_info, end bit clear. */
const ussdDialogs = new Map<string, string>();
function openInfo(hex: string): string {
  const info = Buffer.from(hex, 'hex');
  info[1] &= 0xfe;
  return info.toString('hex');
}

function describe(status: number): string {
  return status === 0 ? 'acknowledged' : statusName(status);
}

async function ussd(line: string): Promise<void> {
  const [, from, text = ''] = /^\s*ussd\s+(\+?\d{3,20})\s*(.*?)\s*$/.exec(line) ?? [];
  if (!from) {
    say('  type: ussd <msisdn> [code | answer | end], e.g. ussd 13800138000');
    return;
  }
  if (smsc.boundCount === 0) {
    say('  no gateway bound yet: start it with the SMPP_URL above');
    return;
  }
  const open = ussdDialogs.get(from);
  if (!open || /^[*#][*#0-9]*#$/.test(text)) {
    const dial = await smsc.dialUssd(from, text || values['ussd-code']);
    // Its last screen may have come with the answer.
    const over = smsc.ussdSubmits.some((u) => u.end && openInfo(u.sessionInfo) === dial.sessionInfo);
    if (!over) ussdDialogs.set(from, dial.sessionInfo);
    say(
      `> USSD ${from} dials ${text || values['ussd-code']} [session ${dial.sessionInfo}, ${describe(dial.answer.commandStatus)}]`,
    );
  } else if (text === 'end') {
    ussdDialogs.delete(from);
    const answer = await smsc.endUssd(from, open);
    say(`> USSD ${from} hangs up [session ${open}, ${describe(answer.commandStatus)}]`);
  } else {
    const answer = await smsc.replyUssd(from, open, text);
    say(`> USSD ${from}: ${text} [session ${open}, ${describe(answer.commandStatus)}]`);
  }
}

async function sendMo(line: string): Promise<void> {
  if (/^\s*ussd\b/i.test(line)) return ussd(line);
  const match = /^\s*(\+?\d{3,20})\s+(.+?)\s*$/.exec(line);
  if (!match) {
    if (line.trim()) say('  type: <msisdn> <text>, e.g. 13800138000 KT');
    return;
  }
  const [, from, text] = match;
  if (smsc.boundCount === 0) {
    say('  no gateway bound yet: start it with the SMPP_URL above');
    return;
  }
  const long = encodeMt(text).length > 1;
  const answers = long ? await smsc.moParts(from, text) : [await smsc.mo(from, text)];
  const statuses = answers.map((a) => describe(a.commandStatus)).join(', ');
  say(`> MO ${from} -> ${shortCode}${long ? ` (${answers.length} parts)` : ''}: ${text}  [${statuses}]`);
}

const port = await smsc.listen(Number(values.port), values.host);
const host = values.host === '0.0.0.0' ? '127.0.0.1' : values.host;
say(`SMSC simulator listening on ${values.host}:${port}, short code ${shortCode}`);
say(`Start the gateway with:  SMPP_URL=smpp://any:any@${host}:${port} npm start`);
say('Then type <msisdn> <text> to send an SMS, e.g.  13800138000 KT');
say(`or dial USSD with  ussd 13800138000  (${values['ussd-code']}), answer with  ussd 13800138000 1`);

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  sendMo(line).catch((err: Error) => say(`  MO failed: ${err.message}`));
});

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  input.close();
  await smsc.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

/**
 * A phone's SIM Toolkit, as an OTA platform forwards it to `POST /stk/events`: in JSON events (§6), or
 * as the raw TLV the SIM sent (a MENU SELECTION envelope, a TERMINAL RESPONSE to the last proactive
 * command, built byte by byte here per TS 102 223, not with the gateway's codec). Each reply is read
 * back as one line of text: what the phone shows.
 */
import { randomUUID } from 'node:crypto';
import type { TestServer } from '../../integration/ops/server.js';

/** What the user does: picks an item of the SIM menu, an item of a SELECT ITEM, types, clears a message, … */
export type StkAction =
  /** An item of the SIM's menu (null: the menu opened, JSON only). */
  { menu: number | null } | { select: number } | { input: string } | 'ok' | 'back' | 'end' | 'help';

export type StkMode = 'json' | 'tlv';

export interface StkReplyBody {
  command: string;
  title?: string;
  items?: { id: string; text: string }[];
  text?: string;
  input?: { minLength: number; maxLength: number; digitsOnly: boolean; hidden: boolean };
  tlv: string;
}

/**
 * A reply as the phone shows it: `SELECT <title> | 1.Balance | …`, `INPUT <text> [5-5 digits hidden]`,
 * `DISPLAY <text>`, `END`.
 */
export function shown(reply: StkReplyBody): string {
  switch (reply.command) {
    case 'SELECT_ITEM':
      return [`SELECT ${reply.title}`, ...(reply.items ?? []).map((i) => `${i.id}.${i.text}`)].join(' | ');
    case 'GET_INPUT': {
      const spec = reply.input;
      const flags = spec ? [spec.digitsOnly ? 'digits' : 'text', ...(spec.hidden ? ['hidden'] : [])] : [];
      return `INPUT ${reply.text} [${spec?.minLength}-${spec?.maxLength} ${flags.join(' ')}]`;
    }
    case 'DISPLAY_TEXT':
      return `DISPLAY ${reply.text}`;
    default:
      return reply.command;
  }
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
const lengthOf = (n: number) => (n < 0x80 ? hex2(n) : `81${hex2(n)}`);
const isGsmAscii = (value: string) => /^[\x20-\x7e]*$/.test(value) && !/[\\[\]{}^~|`]/.test(value);

/** A terminal response to the proactive command `tlv`, with `result` and what it carries. */
export function terminalResponse(tlv: string, result: number, carries = ''): string {
  const bytes = Buffer.from(tlv, 'hex');
  // D0, then a length of one octet or 81 xx, then 81 03 <number> <type> <qualifier>.
  const at = bytes[1] === 0x81 ? 3 : 2;
  const details = bytes
    .subarray(at + 2, at + 5)
    .toString('hex')
    .toUpperCase();
  return `8103${details}820282818301${hex2(result)}${carries}`;
}

/** A text string object: 8-bit when it is plain ASCII, UCS2 otherwise. */
export function textObject(value: string): string {
  const body = isGsmAscii(value)
    ? `04${Buffer.from(value, 'latin1').toString('hex')}`
    : `08${Buffer.from(value, 'utf16le').swap16().toString('hex')}`;
  return `8D${lengthOf(body.length / 2)}${body}`.toUpperCase();
}

export class StkPhone {
  readonly sessionId = randomUUID();
  last: StkReplyBody | null = null;
  lastStatus = 0;

  constructor(
    private readonly server: TestServer,
    readonly msisdn: string,
    readonly mode: StkMode,
  ) {}

  /** The body that does `action` in this phone's mode. */
  body(action: StkAction): Record<string, unknown> {
    const base = { msisdn: this.msisdn, sessionId: this.sessionId };
    return this.mode === 'json' ? { ...base, ...this.json(action) } : { ...base, tlv: this.tlv(action) };
  }

  private json(action: StkAction): Record<string, unknown> {
    if (action === 'ok') return { event: 'input', input: '' };
    if (action === 'end') return { event: 'end' };
    if (action === 'back' || action === 'help') throw new Error(`JSON has no ${action} event: a TLV case`);
    if ('select' in action) return { event: 'select', itemId: String(action.select) };
    if ('input' in action) return { event: 'input', input: action.input };
    return action.menu === null ? { event: 'menu' } : { event: 'menu', itemId: String(action.menu) };
  }

  private tlv(action: StkAction): string {
    if (typeof action === 'object' && 'menu' in action) {
      if (action.menu === null) throw new Error('a MENU SELECTION names an item');
      return `D307820201819001${hex2(action.menu)}`;
    }
    const last = this.last?.tlv;
    if (!last) throw new Error('no proactive command to respond to');
    if (action === 'ok') return terminalResponse(last, 0x00);
    if (action === 'end') return terminalResponse(last, 0x10);
    if (action === 'back') return terminalResponse(last, 0x11);
    if (action === 'help') return terminalResponse(last, 0x13);
    if ('select' in action) return terminalResponse(last, 0x00, `9001${hex2(action.select)}`);
    return terminalResponse(last, 0x00, textObject(action.input));
  }

  /** Does `action`; the reply as shown, or `400 <message>`. */
  async do(action: StkAction): Promise<string> {
    const res = await this.server.call('POST', '/stk/events', { body: this.body(action) });
    this.lastStatus = res.status;
    if (res.status !== 200) return `${res.status} ${JSON.parse(res.text).error?.message}`;
    const reply = JSON.parse(res.text) as StkReplyBody;
    if (reply.command !== 'END') this.last = reply;
    return shown(reply);
  }

  /** Posts `body` as it is (a retry, a forged TLV). */
  async post(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
    const res = await this.server.call('POST', '/stk/events', { body });
    return { status: res.status, text: res.text };
  }
}

/**
 * A small SMSC on the `smpp` package's server, for tests, benchmarks and `npm run smsc`: it accepts
 * binds, answers enquire_link and unbind, records every submit_sm (decoded with its codec, concatenated
 * parts reassembled) and gives each a hex message id. It can play the network too: send MOs and delivery
 * receipts, throttle or delay submits, go silent, drop the connection, send raw bytes. As a USSD centre
 * (INTERFACES §4 "USSD over SMPP") it dials, answers and ends USSD dialogs and records the screens the
 * ESME submits apart from its SMS: they get no receipt and are never among `submits` or `messages`.
 *
 * The package frames the PDUs; the text inside them goes through a codec of the simulator's options. By
 * default that is the gateway's own (smpp.codec), which is right for `npm run smsc`; the tests give one
 * written from the specifications (test/helpers/spec-codec.ts), so that neither the MOs the gateway reads
 * nor the MTs it writes are checked against the gateway's codec itself.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import smpp from 'smpp';
import {
  type ConcatInfo,
  concatInfo,
  decodeShortMessage,
  encodeGsm,
  encodeMt,
  ESM_UDHI,
  fitsDataCoding0,
  type MessagePdu,
} from './smpp.codec.js';
import { silentLogger, type SmppLogger } from './smpp.connection.js';
import { ESME_RINVBNDSTS, ESME_RTHROTTLED } from './smpp.errors.js';

/** A message's octets as they travel in a PDU, before any decoding. */
export interface MessageOctets {
  dataCoding: number;
  esmClass: number;
  /** short_message, its UDH included when esm_class has 0x40. */
  shortMessage: Buffer;
  /** The message_payload TLV, when the PDU has one. */
  messagePayload: Buffer | null;
}

/** How the simulator turns an MO's text into octets and a submit's octets into text. */
export interface SmscCodec {
  /** The data_coding an MO goes out with when the caller names none. */
  codingFor(text: string): 0 | 3 | 8;
  /** The octets of `text` in `dataCoding` (no UDH). */
  encode(text: string, dataCoding: 0 | 3 | 8): Buffer;
  /** A concatenation UDH, its length octet first: 8-bit reference, 16-bit when `ref` is above 255. */
  concatHeader(concat: ConcatInfo): Buffer;
  /** A text as the deliver_sm(s) a handset sends: one, or concatenated parts (UDH in `shortMessage`). */
  split(text: string): Array<{ dataCoding: number; esmClass: number; shortMessage: Buffer }>;
  /** The text and concatenation header of a received submit_sm. */
  decode(message: MessageOctets): { text: string; concat: ConcatInfo | null };
}

/** The gateway's codec, for `npm run smsc` and anything that does not bring its own. */
export const gatewayCodec: SmscCodec = {
  codingFor: (text) => (fitsDataCoding0(text) ? 0 : 8),
  encode: (text, dataCoding) => {
    if (dataCoding === 0) return encodeGsm(text);
    if (dataCoding === 3) return Buffer.from(text, 'latin1');
    return Buffer.from(text, 'utf16le').swap16();
  },
  concatHeader: ({ ref, total, seq }) =>
    ref > 0xff
      ? Buffer.from([0x06, 0x08, 0x04, ref >> 8, ref & 0xff, total, seq])
      : Buffer.from([0x05, 0x00, 0x03, ref, total, seq]),
  split: (text) =>
    encodeMt(text).map((part) => ({
      dataCoding: part.data_coding,
      esmClass: part.esm_class,
      shortMessage: part.short_message,
    })),
  decode: (message) => {
    const pdu: MessagePdu = {
      data_coding: message.dataCoding,
      esm_class: message.esmClass,
      short_message: message.shortMessage,
      message_payload: message.messagePayload ?? undefined,
    };
    return { text: decodeShortMessage(pdu), concat: concatInfo(pdu) };
  },
};

export interface SmscSimulatorOptions {
  /** How MOs are encoded and submits decoded. Default {@link gatewayCodec}. */
  codec?: SmscCodec;
  /** Accept only these credentials (ESME_RINVSYSID / ESME_RINVPASWD otherwise). Default: any. */
  credentials?: { systemId: string; password: string };
  /** Send a DELIVRD receipt this long after each submit asking for one. Default: never. */
  autoDlrMs?: number | null;
  /** Where MOs are addressed. Default `10658888`. */
  shortCode?: string;
  logger?: SmppLogger;
}

export interface BindInfo {
  session: number;
  command: string;
  systemId: string;
  password: string;
  systemType: string;
  remote: string;
}

/** One submit_sm as the SMSC received it. */
export interface RecordedSubmit {
  session: number;
  messageId: string;
  sequenceNumber: number;
  source: string;
  sourceTon: number;
  sourceNpi: number;
  destination: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  /** This part's text. */
  text: string;
  concat: ConcatInfo | null;
  /** The status it was answered with (set when answered). */
  status?: number;
}

/** A USSD submit_sm (a screen) as the USSD centre received it. */
export interface RecordedUssd {
  session: number;
  messageId: string;
  sequenceNumber: number;
  serviceType: string;
  source: string;
  destination: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  /** `ussd_service_op`: 2 (USSR request, wants input) or 17 (PSSR response, the last screen). */
  op: number | null;
  /** `its_session_info` in hex, as sent (end bit included); '' when absent. */
  sessionInfo: string;
  /** Bit 0 of its_session_info's second octet: the ESME ends the dialog. */
  end: boolean;
  text: string;
}

/** A dialog the USSD centre opened: its its_session_info (hex, end bit clear) and the first answer. */
export interface UssdDial {
  sessionInfo: string;
  answer: PduResult;
}

export interface UssdSendOptions {
  /** The bind to send on (an id from BindInfo); default round-robin. */
  session?: number;
  timeoutMs?: number;
}

/** ussd_service_op values the centre sends (the common mapping of the ESME's ussd-smpp.ops). */
const USSD_PSSR_INDICATION = 1;
const USSD_USSR_CONFIRM = 18;

/** A whole MT: one submit, or every part of a concatenated one. */
export interface ReceivedMessage {
  source: string;
  destination: string;
  dataCoding: number;
  text: string;
  parts: RecordedSubmit[];
}

/** A PDU an ESME sent, as recorded. */
export interface SeenPdu {
  session: number;
  command: string;
  commandStatus: number;
  sequenceNumber: number;
}

/** The ESME's answer to something the SMSC sent. */
export interface PduResult {
  command: string;
  commandStatus: number;
}

/** An MO whose octets the caller wrote. */
export interface MoOctetsOptions {
  /** Destination; default the short code. */
  to?: string;
  /** data_coding. Default 0. */
  coding?: number;
  /** esm_class (0x40 when `octets` start with a UDH). Default 0. */
  esmClass?: number;
  /** Carry the octets in message_payload, short_message empty. */
  payload?: boolean;
  /** Give up waiting for the response after this long. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface MoOptions {
  /** Destination; default the short code. */
  to?: string;
  /** data_coding: 0 (GSM), 3 (Latin-1) or 8 (UCS2). Default 0 for plain ASCII, else 8. */
  coding?: 0 | 3 | 8;
  /** Prefix a concatenation UDH (8-bit reference; 16-bit when `ref` > 255). */
  udh?: ConcatInfo;
  /** Carry the text in message_payload, short_message empty. */
  payload?: boolean;
  /** Extra esm_class bits. */
  esmClass?: number;
  /** Give up waiting for the response after this long. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface DlrOptions {
  /** The text form's `stat:` (DELIVRD, UNDELIV, EXPIRED, REJECTD…). Default DELIVRD. */
  stat?: string;
  /** The text form's `err:`. Default `000`. */
  err?: string;
  /** Add the receipted_message_id and message_state TLVs. Default true. */
  tlv?: boolean;
  /** Write the id in decimal (as some SMSCs do in receipts) instead of the hex of submit_sm_resp. */
  decimalId?: boolean;
  timeoutMs?: number;
}

const MESSAGE_STATE: Record<string, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

interface SessionState {
  id: number;
  session: smpp.Session;
  bind: BindInfo | null;
  outstanding: number;
  /** The last chunk the package read off the socket: the body of the PDU it hands over next. */
  lastRead: Buffer | null;
}

// The package's session runs every short_message through its decode filter (its own guesses at the text)
// before it hands the PDU over. Submits are parsed once more from their octets with the package's tables,
// minus that filter, so that the codec reads what the ESME wrote.
const rawPdu = Object.create(smpp.PDU.prototype, { _filter: { value: () => undefined } }) as smpp.PDU;

interface SimulatorEvents {
  bind: [BindInfo];
  submit: [RecordedSubmit];
  message: [ReceivedMessage];
  unbind: [session: number];
  close: [session: number];
  pdu: [SeenPdu];
  /** A receipt went out and the ESME answered it. */
  receipt: [messageId: string, stat: string, answer: PduResult];
  ussd: [RecordedUssd];
}

export class SmscSimulator extends EventEmitter<SimulatorEvents> {
  readonly submits: RecordedSubmit[] = [];
  readonly messages: ReceivedMessage[] = [];
  /** The USSD screens the ESME submitted, in order (never among `submits` or `messages`). */
  readonly ussdSubmits: RecordedUssd[] = [];
  /** Every PDU the ESMEs sent, in order. */
  readonly received: SeenPdu[] = [];
  /** Submits answered this long after they arrive. */
  submitDelayMs = 0;
  /** Never answer submits (a stuck SMSC). */
  silentSubmits = false;
  /** Answer the ESME's enquire_link (false: a dead link that still holds TCP). */
  answerEnquireLink = true;
  /** Most submits outstanding at once on one bind, since the start or `resetStats()`. */
  maxOutstanding = 0;

  private readonly server: smpp.Server;
  private readonly sessions = new Map<smpp.Session, SessionState>();
  private readonly partials = new Map<string, RecordedSubmit[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: SmppLogger;
  private readonly codec: SmscCodec;
  private failures = { count: 0, status: 0, after: 0 };
  private nextSession = 1;
  private nextMessageId = randomInt(0x100000, 0x1000000);
  private roundRobin = 0;
  // Session numbers of its_session_info: 15 bits, shifted left of the end bit.
  private nextUssdSession = randomInt(1, 0x4000);
  /** The service code each open dialog was dialled with, by `msisdn|sessionInfo`. */
  private readonly ussdCodes = new Map<string, string>();

  constructor(private readonly options: SmscSimulatorOptions = {}) {
    super();
    this.log = options.logger ?? silentLogger;
    this.codec = options.codec ?? gatewayCodec;
    this.server = smpp.createServer({}, (session) => this.onSession(session));
  }

  /** Listens (port 0: any free port) and resolves with the port. */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.port);
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `smpp://<systemId>:<password>@127.0.0.1:<port>` */
  url(
    systemId = this.options.credentials?.systemId ?? 'any',
    password = this.options.credentials?.password ?? 'any',
  ): string {
    return `smpp://${encodeURIComponent(systemId)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  /** Sessions bound now. */
  get boundCount(): number {
    return [...this.sessions.values()].filter((s) => s.bind).length;
  }

  /** Answer the next `count` submits with `status` (default ESME_RTHROTTLED), after letting `after` pass. */
  failNext(count: number, status = ESME_RTHROTTLED, after = 0): void {
    this.failures = { count, status, after };
  }

  resetStats(): void {
    this.maxOutstanding = Math.max(0, ...[...this.sessions.values()].map((s) => s.outstanding));
  }

  /** Resolves once `count` sessions are bound. */
  waitForBind(count = 1, timeoutMs = 5_000): Promise<void> {
    return this.until(() => this.boundCount >= count, ['bind'], timeoutMs, `${count} bind(s)`);
  }

  /** Resolves with the submits once at least `count` have arrived. */
  async waitForSubmits(count: number, timeoutMs = 5_000): Promise<RecordedSubmit[]> {
    await this.until(() => this.submits.length >= count, ['submit'], timeoutMs, `${count} submit(s)`);
    return this.submits.slice();
  }

  /** Resolves with the next PDU from an ESME (from now on) matching `match`. */
  nextPdu(match: (pdu: SeenPdu) => boolean, timeoutMs = 5_000): Promise<SeenPdu> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('pdu', onPdu);
        reject(new Error(`no matching PDU from the ESME within ${timeoutMs} ms`));
      }, timeoutMs);
      const onPdu = (pdu: SeenPdu) => {
        if (!match(pdu)) return;
        clearTimeout(timer);
        this.off('pdu', onPdu);
        resolve(pdu);
      };
      this.on('pdu', onPdu);
    });
  }

  /** Sends an MO (deliver_sm) from `from` and resolves with the ESME's response. */
  mo(from: string, text: string, options: MoOptions = {}): Promise<PduResult> {
    const coding = options.coding ?? this.codec.codingFor(text);
    let body = this.codec.encode(text, coding);
    let esmClass = options.esmClass ?? 0;
    if (options.udh) {
      body = Buffer.concat([this.codec.concatHeader(options.udh), body]);
      esmClass |= ESM_UDHI;
    }
    const { to, payload, timeoutMs } = options;
    return this.moOctets(from, body, { to, coding, esmClass, payload, timeoutMs });
  }

  /** Sends an MO (deliver_sm) carrying exactly `octets` and resolves with the ESME's response. */
  moOctets(from: string, octets: Buffer, options: MoOctetsOptions = {}): Promise<PduResult> {
    const fields: Record<string, unknown> = {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: from,
      dest_addr_ton: 0,
      dest_addr_npi: 0,
      destination_addr: options.to ?? this.options.shortCode ?? '10658888',
      esm_class: options.esmClass ?? 0,
      data_coding: options.coding ?? 0,
      short_message: options.payload ? Buffer.alloc(0) : octets,
    };
    if (options.payload) fields.message_payload = octets;
    return this.send('deliver_sm', fields, { timeoutMs: options.timeoutMs });
  }

  /** Sends a long MO as concatenated deliver_sm parts (split as an MT would be), resolving with each answer. */
  async moParts(
    from: string,
    text: string,
    options: { to?: string; timeoutMs?: number } = {},
  ): Promise<PduResult[]> {
    const results: PduResult[] = [];
    for (const part of this.codec.split(text)) {
      const fields = {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: from,
        destination_addr: options.to ?? this.options.shortCode ?? '10658888',
        esm_class: part.esmClass,
        data_coding: part.dataCoding,
        short_message: part.shortMessage,
      };
      results.push(await this.send('deliver_sm', fields, { timeoutMs: options.timeoutMs }));
    }
    return results;
  }

  /** Resolves with the USSD screens once at least `count` have arrived. */
  async waitForUssd(count: number, timeoutMs = 5_000): Promise<RecordedUssd[]> {
    await this.until(() => this.ussdSubmits.length >= count, ['ussd'], timeoutMs, `${count} USSD submit(s)`);
    return this.ussdSubmits.slice();
  }

  /**
   * The user dials `serviceCode`: a deliver_sm with service_type USSD, ussd_service_op 1 (PSSR indication),
   * the dialled string and a fresh its_session_info. Resolves with that session info and the answer.
   */
  async dialUssd(msisdn: string, serviceCode: string, options: UssdSendOptions = {}): Promise<UssdDial> {
    const number = this.nextUssdSession;
    this.nextUssdSession = (this.nextUssdSession % 0x7fff) + 1;
    const sessionInfo = Buffer.from([number >> 7, (number << 1) & 0xfe]).toString('hex');
    this.ussdCodes.set(`${msisdn}|${sessionInfo}`, serviceCode);
    const answer = await this.sendUssd(msisdn, USSD_PSSR_INDICATION, sessionInfo, serviceCode, options);
    return { sessionInfo, answer };
  }

  /** The user answers a screen: ussd_service_op 18 (USSR confirm) with the dialog's its_session_info. */
  replyUssd(
    msisdn: string,
    sessionInfo: string,
    text: string,
    options: UssdSendOptions = {},
  ): Promise<PduResult> {
    return this.sendUssd(msisdn, USSD_USSR_CONFIRM, sessionInfo, text, options);
  }

  /** The user (or the network) ends the dialog: ussd_service_op 18 with the end bit set, no text. */
  endUssd(msisdn: string, sessionInfo: string, options: UssdSendOptions = {}): Promise<PduResult> {
    const ended = Buffer.from(sessionInfo, 'hex');
    ended[1] |= 0x01;
    return this.sendUssd(msisdn, USSD_USSR_CONFIRM, ended.toString('hex'), '', options);
  }

  private sendUssd(
    msisdn: string,
    op: number,
    sessionInfo: string,
    text: string,
    options: UssdSendOptions,
  ): Promise<PduResult> {
    const info = Buffer.from(sessionInfo, 'hex');
    const open = Buffer.from([info[0] ?? 0, (info[1] ?? 0) & 0xfe]).toString('hex');
    const coding = this.codec.codingFor(text);
    const fields = {
      service_type: 'USSD',
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: msisdn,
      dest_addr_ton: 0,
      dest_addr_npi: 0,
      destination_addr: this.ussdCodes.get(`${msisdn}|${open}`) ?? this.options.shortCode ?? '10658888',
      esm_class: 0,
      data_coding: coding,
      short_message: this.codec.encode(text, coding),
      ussd_service_op: op,
      its_session_info: info,
    };
    return this.send('deliver_sm', fields, options);
  }

  /** Sends a delivery receipt for a recorded submit and resolves with the ESME's response. */
  dlr(messageId: string, options: DlrOptions = {}): Promise<PduResult> {
    const submit = this.submits.find((s) => s.messageId === messageId);
    const stat = options.stat ?? 'DELIVRD';
    const id = options.decimalId ? BigInt(`0x${messageId}`).toString(10) : messageId;
    const date = smscDate(new Date());
    const snippet = submit && this.codec.codingFor(submit.text) === 0 ? submit.text.slice(0, 20) : '';
    const text =
      `id:${id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:${date} done date:${date} ` +
      `stat:${stat} err:${options.err ?? '000'} text:${snippet}`;
    const fields: Record<string, unknown> = {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: submit?.destination ?? '',
      destination_addr: submit?.source ?? this.options.shortCode ?? '10658888',
      esm_class: 0x04,
      data_coding: 0,
      short_message: this.codec.encode(text, 0),
    };
    if (options.tlv ?? true) {
      fields.receipted_message_id = id;
      fields.message_state = MESSAGE_STATE[stat] ?? 7;
    }
    const target = { session: submit?.session, timeoutMs: options.timeoutMs };
    return this.send('deliver_sm', fields, target).then((answer) => {
      this.emit('receipt', messageId, stat, answer);
      return answer;
    });
  }

  /** Sends enquire_link to a bound ESME and resolves with its answer. */
  enquireLink(timeoutMs?: number): Promise<PduResult> {
    return this.send('enquire_link', {}, { timeoutMs });
  }

  /** Unbinds a bound ESME (SMSC side) and resolves with its answer; the connection then closes. */
  async unbind(timeoutMs?: number): Promise<PduResult> {
    const state = this.pickSession();
    if (!state) throw new Error('no ESME bound');
    const result = await this.send('unbind', {}, { session: state.id, timeoutMs });
    state.bind = null;
    return result;
  }

  /** Writes raw bytes to a bound ESME (malformed or unknown PDUs). */
  sendRaw(bytes: Buffer): void {
    const state = this.pickSession();
    if (!state) throw new Error('no ESME bound');
    state.session.socket.write(bytes);
  }

  /** Destroys every connection at once, as a network failure would. */
  dropConnections(): void {
    for (const state of this.sessions.values()) state.session.socket.destroy();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSession(session: smpp.Session): void {
    const state: SessionState = {
      id: this.nextSession++,
      session,
      bind: null,
      outstanding: 0,
      lastRead: null,
    };
    this.sessions.set(session, state);
    const { socket } = session;
    socket.setNoDelay(true);
    // The package reads a PDU's length, then its body, then hands it over: keep the last chunk (octetsOf).
    const read = socket.read.bind(socket);
    socket.read = (size?: number) => {
      const chunk = read(size);
      if (chunk) state.lastRead = chunk;
      return chunk;
    };
    session.on('error', (err: Error) => {
      this.log.debug({ session: state.id, err: err.message }, 'smsc: session error');
      session.destroy();
    });
    session.on('close', () => {
      this.sessions.delete(session);
      this.emit('close', state.id);
    });
    session.on('pdu', (pdu: smpp.PDU) => this.onPdu(state, pdu));
  }

  private onPdu(state: SessionState, pdu: smpp.PDU): void {
    const seen = {
      session: state.id,
      command: pdu.command,
      commandStatus: pdu.command_status,
      sequenceNumber: pdu.sequence_number,
    };
    this.received.push(seen);
    this.emit('pdu', seen);
    const { session } = state;
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        this.onBind(state, pdu);
        return;
      case 'enquire_link':
        if (this.answerEnquireLink) session.send(pdu.response());
        return;
      case 'unbind':
        session.send(pdu.response());
        state.bind = null;
        this.emit('unbind', state.id);
        session.close();
        return;
      case 'submit_sm':
        this.onSubmit(state, pdu);
        return;
      default:
        if (!pdu.isResponse()) session.send(pdu.response({ command_status: smpp.errors.ESME_RINVCMDID }));
    }
  }

  private onBind(state: SessionState, pdu: smpp.PDU): void {
    const { session } = state;
    const systemId = String(pdu.system_id ?? '');
    const password = String(pdu.password ?? '');
    const expected = this.options.credentials;
    let status = 0;
    if (state.bind) status = smpp.errors.ESME_RALYBND;
    else if (expected && systemId !== expected.systemId) status = smpp.errors.ESME_RINVSYSID;
    else if (expected && password !== expected.password) status = smpp.errors.ESME_RINVPASWD;
    // As the package advises: hold further PDUs until the bind is answered.
    session.pause();
    session.send(pdu.response({ command_status: status, system_id: 'fen-smsc' }));
    session.resume();
    if (status !== 0) return;
    state.bind = {
      session: state.id,
      command: pdu.command,
      systemId,
      password,
      systemType: String(pdu.system_type ?? ''),
      remote: `${session.socket.remoteAddress}:${session.socket.remotePort}`,
    };
    this.emit('bind', state.bind);
  }

  private onSubmit(state: SessionState, pdu: smpp.PDU): void {
    const { session } = state;
    if (!state.bind) {
      session.send(pdu.response({ command_status: ESME_RINVBNDSTS }));
      return;
    }
    const octets = this.octetsOf(state, pdu);
    if (!octets) {
      this.log.warn({ session: state.id, seq: pdu.sequence_number }, 'smsc: submit_sm octets not found');
      session.send(pdu.response({ command_status: smpp.errors.ESME_RSYSERR }));
      return;
    }
    if (String(pdu.service_type ?? '').toUpperCase() === 'USSD' || pdu.ussd_service_op !== undefined) {
      this.onUssdSubmit(state, pdu, octets);
      return;
    }
    const { text, concat } = this.codec.decode(octets);
    const submit: RecordedSubmit = {
      session: state.id,
      messageId: (this.nextMessageId++).toString(16).toUpperCase(),
      sequenceNumber: pdu.sequence_number,
      source: String(pdu.source_addr ?? ''),
      sourceTon: Number(pdu.source_addr_ton ?? 0),
      sourceNpi: Number(pdu.source_addr_npi ?? 0),
      destination: String(pdu.destination_addr ?? ''),
      destTon: Number(pdu.dest_addr_ton ?? 0),
      destNpi: Number(pdu.dest_addr_npi ?? 0),
      esmClass: Number(pdu.esm_class ?? 0),
      dataCoding: Number(pdu.data_coding ?? 0),
      registeredDelivery: Number(pdu.registered_delivery ?? 0),
      text,
      concat,
    };
    let status = 0;
    if (this.failures.after > 0) this.failures.after--;
    else if (this.failures.count > 0) {
      this.failures.count--;
      status = this.failures.status;
    }
    state.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, state.outstanding);
    this.submits.push(submit);
    this.emit('submit', submit);
    if (status === 0) this.collect(submit);
    if (this.silentSubmits) return;
    const answer = () => {
      state.outstanding--;
      submit.status = status;
      session.send(pdu.response(status ? { command_status: status } : { message_id: submit.messageId }));
      if (status === 0 && submit.registeredDelivery & 1 && this.options.autoDlrMs != null) {
        this.later(this.options.autoDlrMs, () => {
          this.dlr(submit.messageId).catch((err) =>
            this.log.warn({ err: err.message }, 'smsc: receipt not answered'),
          );
        });
      }
    };
    if (this.submitDelayMs > 0) this.later(this.submitDelayMs, answer);
    else answer();
  }

  // A screen: recorded apart, answered at once, never a receipt.
  private onUssdSubmit(state: SessionState, pdu: smpp.PDU, octets: MessageOctets): void {
    const info = Buffer.isBuffer(pdu.its_session_info) ? pdu.its_session_info : Buffer.alloc(0);
    const op = pdu.ussd_service_op;
    const screen: RecordedUssd = {
      session: state.id,
      messageId: (this.nextMessageId++).toString(16).toUpperCase(),
      sequenceNumber: pdu.sequence_number,
      serviceType: String(pdu.service_type ?? ''),
      source: String(pdu.source_addr ?? ''),
      destination: String(pdu.destination_addr ?? ''),
      destTon: Number(pdu.dest_addr_ton ?? 0),
      destNpi: Number(pdu.dest_addr_npi ?? 0),
      esmClass: Number(pdu.esm_class ?? 0),
      dataCoding: Number(pdu.data_coding ?? 0),
      registeredDelivery: Number(pdu.registered_delivery ?? 0),
      op: typeof op === 'number' ? op : null,
      sessionInfo: info.toString('hex'),
      end: info.length >= 2 && (info[1] & 0x01) === 1,
      text: this.codec.decode(octets).text,
    };
    this.ussdSubmits.push(screen);
    state.session.send(pdu.response({ message_id: screen.messageId }));
    this.emit('ussd', screen);
  }

  /** The message octets of the PDU the package just handed over, read from the frame it came in. */
  private octetsOf(state: SessionState, pdu: smpp.PDU): MessageOctets | null {
    const body = state.lastRead;
    const sameFrame =
      body !== null &&
      body.length === pdu.command_length - 4 &&
      body.readUInt32BE(0) === pdu.command_id &&
      body.readUInt32BE(8) === pdu.sequence_number;
    if (!sameFrame) return null;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(pdu.command_length);
    const raw = Object.create(rawPdu) as smpp.PDU;
    raw.fromBuffer(Buffer.concat([length, body]));
    const payload = raw.message_payload;
    return {
      dataCoding: Number(raw.data_coding ?? 0),
      esmClass: Number(raw.esm_class ?? 0),
      shortMessage: Buffer.isBuffer(raw.short_message) ? raw.short_message : Buffer.alloc(0),
      messagePayload: Buffer.isBuffer(payload) ? payload : null,
    };
  }

  // Gathers concatenated parts into whole messages.
  private collect(submit: RecordedSubmit): void {
    const { concat } = submit;
    if (!concat || concat.total === 1) {
      this.complete([submit]);
      return;
    }
    const key = `${submit.session}|${submit.source}|${submit.destination}|${concat.ref}|${concat.total}`;
    const parts = this.partials.get(key) ?? [];
    if (parts.some((p) => p.concat?.seq === concat.seq)) return;
    parts.push(submit);
    if (parts.length < concat.total) {
      this.partials.set(key, parts);
      return;
    }
    this.partials.delete(key);
    this.complete(parts.sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0)));
  }

  private complete(parts: RecordedSubmit[]): void {
    const [first] = parts;
    const message = {
      source: first.source,
      destination: first.destination,
      dataCoding: first.dataCoding,
      text: parts.map((p) => p.text).join(''),
      parts,
    };
    this.messages.push(message);
    this.emit('message', message);
  }

  /**
   * Sends any PDU to a bound ESME and resolves with its answer: to `session` (an id from BindInfo or
   * RecordedSubmit) while it is bound, else round-robin over the bound sessions that take MOs.
   */
  send(
    command: string,
    fields: Record<string, unknown>,
    options: { session?: number; timeoutMs?: number } = {},
  ): Promise<PduResult> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const preferred = options.session === undefined ? undefined : this.sessionById(options.session);
    const state = preferred?.bind ? preferred : this.pickSession();
    if (!state) return Promise.reject(new Error('no ESME bound'));
    return new Promise((resolve, reject) => {
      const { session } = state;
      const settle = () => {
        clearTimeout(timer);
        session.off('close', onClose);
      };
      // An answer can no longer come: what a real SMSC then redelivers on a later bind.
      const onClose = () => {
        settle();
        reject(new Error(`the ESME connection closed before answering ${command}`));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`no answer to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      session.once('close', onClose);
      const sent = session.send(new smpp.PDU(command, fields), (resp: smpp.PDU) => {
        settle();
        resolve({ command: resp.command, commandStatus: resp.command_status });
      });
      if (!sent) {
        settle();
        reject(new Error('the ESME connection is closed'));
      }
    });
  }

  private pickSession(): SessionState | undefined {
    const bound = [...this.sessions.values()].filter((s) => s.bind && s.bind.command !== 'bind_transmitter');
    if (!bound.length) return undefined;
    return bound[this.roundRobin++ % bound.length];
  }

  private sessionById(id: number): SessionState | undefined {
    return [...this.sessions.values()].find((s) => s.id === id);
  }

  private later(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, ms);
    this.timers.add(timer);
  }

  private until(
    done: () => boolean,
    events: Array<keyof SimulatorEvents>,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        for (const event of events) this.off(event, check);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`SMSC simulator: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      for (const event of events) this.on(event, check);
    });
  }
}

/** `YYMMDDhhmm`, the receipt text's date format. */
function smscDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  );
}

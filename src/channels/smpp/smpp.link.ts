/**
 * The ESME side of one SMPP 3.4 bind (INTERFACES §3): `bind_transceiver`, keep-alive, reconnect with
 * backoff, a window on outstanding submits, MTs split by the codec, and MOs / receipts handed to one
 * handler whose settling decides the `deliver_sm_resp`. USSD PDUs (INTERFACES §4 "USSD over SMPP") take
 * their own way in (`onUssd`) and out (`submitUssd`: one submit_sm, never an SMS). The `smpp` package
 * serves as the PDU codec only (see smpp.wire for why its Session is not used here).
 *
 * Delivery guarantees, as the SMSC sees them:
 * - An MO is acknowledged only after the handler's promise resolves (status 0, or the number it returns);
 *   a rejection answers ESME_RX_T_APPN so the SMSC redelivers later. If the link drops between the
 *   handler's work and the response, the SMSC redelivers too: handlers must tolerate duplicates.
 * - A submit resolves when every part has a submit_sm_resp with status 0. A part that times out may still
 *   be delivered by the SMSC; the error says retryable, so a retry can duplicate it (SMPP has no remedy).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { normalizeMsisdn } from '../../lib/index.js';
import { encodeMt, encodeUssdText, type MtPart, type UssdText } from './smpp.codec.js';
import {
  ConnectionClosed,
  RequestTimeout,
  type SmppLogger,
  SmppConnection,
  silentLogger,
} from './smpp.connection.js';
import {
  ESME_RINVCMDID,
  ESME_RMSGQFUL,
  ESME_RTHROTTLED,
  ESME_RX_P_APPN,
  ESME_RX_T_APPN,
  SmppSubmitError,
  statusName,
} from './smpp.errors.js';
import { toInbound } from './smpp.inbound.js';
import type {
  DeliverHandler,
  InboundPdu,
  InboundUssd,
  LinkState,
  SmppEndpoint,
  SmppLinkOptions,
  SmppMetricsHooks,
  SubmitMt,
  SubmitResult,
  SubmitUssd,
  UssdDeliverHandler,
  UssdSubmitted,
} from './smpp.types.js';
import { SubmitWindow } from './smpp.window.js';
import type { Pdu } from './smpp.wire.js';

export type * from './smpp.types.js';

interface LinkEvents {
  bound: [name: string];
  unbound: [name: string, reason: string];
  /** Emitted only while someone listens: connect and bind failures, lost links. */
  error: [Error];
}

export class SmppLink extends EventEmitter<LinkEvents> implements SmppEndpoint {
  readonly name: string;
  private readonly host: string;
  private readonly port: number;
  private readonly systemId: string;
  private readonly password: string;
  private readonly opts: Required<Omit<SmppLinkOptions, 'logger' | 'metrics' | 'name' | 'url' | 'reconnect'>>;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly window: SubmitWindow;
  private readonly log: SmppLogger;
  private readonly metrics: SmppMetricsHooks;

  private running = false;
  private stopping = false;
  private linkState: LinkState = 'idle';
  private conn: SmppConnection | null = null;
  private isBound = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private checking = false;
  private handler: DeliverHandler | null = null;
  private ussdHandler: UssdDeliverHandler | null = null;
  private handlersRunning = 0;
  private handlersIdle: Array<() => void> = [];
  /** Why the last connection attempt or link ended, for operators. */
  lastError: string | null = null;

  constructor(options: SmppLinkOptions) {
    super();
    const url = new URL(options.url);
    if (url.protocol !== 'smpp:') throw new Error(`SMPP URL must start with smpp://, got ${url.protocol}`);
    this.host = url.hostname;
    this.port = url.port ? Number(url.port) : 2775;
    this.systemId = decodeURIComponent(url.username);
    this.password = decodeURIComponent(url.password);
    this.name = options.name ?? `${this.host}:${this.port}`;
    this.opts = {
      systemType: options.systemType ?? '',
      windowSize: Math.max(1, options.windowSize ?? 10),
      responseTimeoutMs: options.responseTimeoutMs ?? 60_000,
      enquireLinkMs: options.enquireLinkMs ?? 30_000,
      bindTimeoutMs: options.bindTimeoutMs ?? 10_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
      addressing: options.addressing ?? {},
      sevenBit: options.sevenBit ?? 'ascii',
      defaultAlphabet: options.defaultAlphabet ?? 'gsm',
    };
    this.backoff = {
      initialMs: options.reconnect?.initialMs ?? 500,
      maxMs: options.reconnect?.maxMs ?? 30_000,
    };
    this.window = new SubmitWindow(this.opts.windowSize);
    this.log = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? {};
  }

  /** Bound and able to submit. */
  get bound(): boolean {
    return this.isBound;
  }

  liveSessions(): string[] {
    return this.conn && !this.conn.closed ? [this.conn.id] : [];
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** Submit PDUs sent and not yet answered. */
  get outstanding(): number {
    return this.window.inUse;
  }

  /**
   * Starts the link and resolves after the first connection attempt, bound or not: when it failed,
   * attempts go on in the background with backoff (read `bound` and `lastError`, listen for `bound`, or
   * await `whenBound()`). Never takes longer than `bindTimeoutMs`, so a gateway starts with its SMSC down.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.connect();
  }

  /** Resolves when bound (at once if already); rejects after `timeoutMs` (default: never). */
  whenBound(timeoutMs?: number): Promise<void> {
    if (this.isBound) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onBound = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              this.off('bound', onBound);
              reject(
                new Error(`${this.name}: not bound within ${timeoutMs} ms (${this.lastError ?? 'no error'})`),
              );
            }, timeoutMs);
      this.once('bound', onBound);
    });
  }

  onDeliver(handler: DeliverHandler): void {
    this.handler = handler;
  }

  /**
   * Takes the USSD deliver_sm / data_sm (service_type `USSD` or a `ussd_service_op` TLV), which then never
   * reach the `onDeliver` handler. With none registered they are answered ESME_RX_P_APPN (0x65) and
   * dropped: a permanent error, because redelivering a USSD dialog later cannot help (the user waits
   * seconds, not minutes, and this gateway does not serve USSD here), and the SMS side must not read them.
   */
  onUssd(handler: UssdDeliverHandler): void {
    this.ussdHandler = handler;
  }

  /**
   * Stops reconnecting, refuses new submits and MOs (ESME_RX_T_APPN: the SMSC redelivers elsewhere or
   * later), waits up to `stopTimeoutMs` for outstanding submits and handlers, unbinds (waiting up to
   * `stopTimeoutMs` for unbind_resp) and closes.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping = true;
    this.linkState = 'stopping';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.window.failWaiters(new SmppSubmitError('stopping'));
    const conn = this.conn;
    if (conn && this.isBound) {
      const deadline = this.opts.stopTimeoutMs;
      await Promise.all([this.window.drained(deadline), this.handlersDrained(deadline)]);
      try {
        await conn.request('unbind', {}, this.opts.stopTimeoutMs);
      } catch (err) {
        this.log.warn({ link: this.name, err }, 'smpp: no unbind_resp');
      }
      await conn.end(this.opts.stopTimeoutMs, 'unbound by us');
    } else {
      conn?.destroy('stopped');
    }
    this.clearIdle();
    this.stopping = false;
    this.linkState = 'stopped';
  }

  /**
   * Sends one MT: encoded and split by the codec (the parts share one UDH reference), each part through
   * the window. Resolves when every part is accepted; otherwise throws SmppSubmitError. When some parts
   * were accepted before one failed, the error is retryable and a retry resends the whole message.
   */
  async submit(mt: SubmitMt): Promise<SubmitResult> {
    if (this.stopping || this.linkState === 'stopped') throw new SmppSubmitError('stopping');
    if (!this.isBound) throw new SmppSubmitError('not_bound', { detail: this.lastError ?? undefined });
    let parts: MtPart[];
    try {
      parts = encodeMt(mt.text, { sevenBit: this.opts.sevenBit, defaultAlphabet: this.opts.defaultAlphabet });
    } catch (err) {
      throw new SmppSubmitError('too_long', { detail: (err as Error).message });
    }
    const fields = this.addressFields(mt);
    // The first failure stops the parts not yet sent: the message is broken anyway and will be resent.
    const outcome: { failure: SmppSubmitError | null } = { failure: null };
    const sent: Promise<string>[] = [];
    for (const part of parts) {
      try {
        await this.window.acquire();
      } catch (err) {
        outcome.failure ??= err as SmppSubmitError;
        break;
      }
      if (outcome.failure) {
        this.window.release();
        break;
      }
      sent.push(
        this.submitPdu(
          {
            ...fields,
            esm_class: part.esm_class,
            data_coding: part.data_coding,
            short_message: part.short_message,
          },
          outcome,
        ),
      );
    }
    const settled = await Promise.allSettled(sent);
    const messageIds = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (outcome.failure) throw outcome.failure.withAccepted(messageIds);
    this.metrics.mtCount?.(parts.length);
    return { messageIds, parts: parts.length };
  }

  /**
   * Sends one USSD screen as one submit_sm: `service_type` USSD, the `ussd_service_op` and
   * `its_session_info` TLVs as given, data_coding 0 for a text that fits it (as for SMS) and 8 otherwise,
   * registered_delivery 0 (a screen has no receipt), through the window like any part. A text longer than
   * one USSD string fails `too_long`, never split; other failures as for `submit`.
   */
  async submitUssd(screen: SubmitUssd): Promise<UssdSubmitted> {
    if (this.stopping || this.linkState === 'stopped') throw new SmppSubmitError('stopping');
    if (!this.isBound) throw new SmppSubmitError('not_bound', { detail: this.lastError ?? undefined });
    let encoded: UssdText;
    try {
      // A USSD page is measured in GSM characters (INTERFACES §4: 182, or 80 with Chinese), so any text
      // the GSM alphabet holds (¥ in every amount) goes as data_coding 0, whatever SMS MTs use.
      encoded = encodeUssdText(screen.text, {
        sevenBit: 'gsm',
        defaultAlphabet: this.opts.defaultAlphabet,
      });
    } catch (err) {
      throw new SmppSubmitError('too_long', { detail: (err as Error).message });
    }
    const a = this.opts.addressing;
    const destination = screen.destination.trim();
    await this.window.acquire();
    // submitPdu takes the connection before its first await: this one.
    const session = this.conn?.id ?? '';
    const messageId = await this.submitPdu(
      {
        service_type: screen.serviceType ?? 'USSD',
        // A service code (`*1065#`) belongs to no numbering plan.
        source_addr_ton: 0,
        source_addr_npi: 0,
        source_addr: screen.source ?? '',
        dest_addr_ton: a.destTon ?? 1,
        dest_addr_npi: a.destNpi ?? 1,
        destination_addr: normalizeMsisdn(destination) ?? destination.replace(/^(\+|00)/, ''),
        registered_delivery: 0,
        esm_class: 0,
        ...encoded,
        ussd_service_op: screen.op,
        its_session_info: screen.sessionInfo,
      },
      { failure: null },
    );
    return { messageId, session };
  }

  private addressFields(mt: SubmitMt): Record<string, unknown> {
    const a = this.opts.addressing;
    const source = mt.source.trim();
    const alphanumeric = /[^0-9+]/.test(source);
    const international = source.startsWith('+');
    const destination = mt.destination.trim();
    const digits = destination.replace(/^(\+|00)/, '');
    return {
      service_type: '',
      source_addr_ton: alphanumeric ? 5 : international ? 1 : (a.sourceTon ?? 3),
      source_addr_npi: alphanumeric ? 0 : international ? 1 : (a.sourceNpi ?? 0),
      source_addr: alphanumeric ? source : source.replace(/^\+/, ''),
      dest_addr_ton: a.destTon ?? 1,
      dest_addr_npi: a.destNpi ?? 1,
      // A national Chinese mobile gains its 86; any other number goes as given, without '+'.
      destination_addr: normalizeMsisdn(destination) ?? digits,
      registered_delivery: mt.registeredDelivery === false ? 0 : 1,
    };
  }

  /** One submit_sm holding a window slot (released here, whatever happens). */
  private async submitPdu(
    fields: Record<string, unknown>,
    outcome: { failure: SmppSubmitError | null },
  ): Promise<string> {
    try {
      const conn = this.conn;
      if (!conn || !this.isBound)
        throw new SmppSubmitError('link_lost', { detail: this.lastError ?? undefined });
      const started = performance.now();
      const resp = await conn.request('submit_sm', fields, this.opts.responseTimeoutMs);
      this.metrics.submitLatencyMs?.(performance.now() - started);
      if (resp.command_status !== 0) {
        if (resp.command_status === ESME_RTHROTTLED || resp.command_status === ESME_RMSGQFUL)
          this.metrics.throttled?.();
        throw new SmppSubmitError('rejected', { commandStatus: resp.command_status });
      }
      return String(resp.message_id ?? '');
    } catch (err) {
      // Recorded before the slot is released, so the next part of this message sees it and stays home.
      outcome.failure ??= this.submitFailure(err as Error);
      throw outcome.failure;
    } finally {
      this.window.release();
    }
  }

  private submitFailure(err: Error): SmppSubmitError {
    if (err instanceof SmppSubmitError) return err;
    if (err instanceof RequestTimeout) {
      // A missing response is the first sign of a dead link: ask the SMSC at once.
      this.checkLink('submit timeout');
      return new SmppSubmitError('timeout', { detail: err.message });
    }
    return new SmppSubmitError('link_lost', { detail: err.message });
  }

  private handlersDrained(timeoutMs: number): Promise<void> {
    if (this.handlersRunning === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.handlersIdle.push(done);
    });
  }

  private async connect(): Promise<boolean> {
    this.reconnectTimer = null;
    if (!this.running) return false;
    this.linkState = 'connecting';
    const deadline = Date.now() + this.opts.bindTimeoutMs;
    let conn: SmppConnection | null = null;
    try {
      conn = await SmppConnection.open(this.host, this.port, this.opts.bindTimeoutMs, this.log);
      const current = conn;
      this.conn = conn;
      conn.on('close', (reason) => this.onClose(current, reason));
      conn.on('request', (pdu) => this.onRequest(current, pdu));
      conn.on('activity', () => this.idleTimer?.refresh());
      if (!this.running) throw new Error('stopped while connecting');
      const resp = await conn.request(
        'bind_transceiver',
        {
          system_id: this.systemId,
          password: this.password,
          system_type: this.opts.systemType,
          interface_version: 0x34,
          addr_ton: 0,
          addr_npi: 0,
          address_range: '',
        },
        Math.max(1, deadline - Date.now()),
      );
      if (resp.command_status !== 0) throw new Error(`bind refused: ${statusName(resp.command_status)}`);
      if (!this.running || conn.closed) throw new Error('stopped while binding');
      this.onBound();
      return true;
    } catch (err) {
      this.lastError = (err as Error).message;
      if (this.running) {
        this.log.warn({ link: this.name, err: this.lastError }, 'smpp: bind failed');
        this.report(err as Error);
      }
      if (conn) {
        if (this.conn === conn) this.conn = null;
        conn.destroy('bind failed');
      }
      this.scheduleReconnect();
      return false;
    }
  }

  private onBound(): void {
    this.isBound = true;
    this.attempts = 0;
    this.lastError = null;
    this.linkState = 'bound';
    this.clearIdle();
    this.idleTimer = setTimeout(() => this.checkLink('idle'), this.opts.enquireLinkMs);
    this.log.info({ link: this.name, systemId: this.systemId }, 'smpp: bound');
    this.metrics.bindState?.(true, this.name);
    this.emit('bound', this.name);
  }

  private onClose(conn: SmppConnection, reason: string): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.clearIdle();
    this.window.failWaiters(new SmppSubmitError('link_lost', { detail: reason }));
    if (this.isBound) {
      this.isBound = false;
      this.lastError = reason;
      if (this.running) this.log.warn({ link: this.name, reason }, 'smpp: link down');
      else this.log.info({ link: this.name, reason }, 'smpp: link closed');
      this.metrics.bindState?.(false, this.name);
      this.emit('unbound', this.name, reason);
      if (this.running) this.report(new Error(`${this.name}: link lost: ${reason}`));
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer || this.conn) return;
    const { initialMs, maxMs } = this.backoff;
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempts, 30));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempts++;
    this.linkState = 'waiting';
    this.log.info({ link: this.name, delayMs: delay, attempt: this.attempts }, 'smpp: reconnecting');
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  /** enquire_link now (idle, or a submit went unanswered); no answer within the deadline drops the link. */
  private checkLink(why: string): void {
    const conn = this.conn;
    if (!conn || !this.isBound || this.checking) return;
    this.checking = true;
    conn
      .request('enquire_link', {}, this.opts.responseTimeoutMs)
      .then(
        () => this.idleTimer?.refresh(),
        (err: Error) => {
          if (err instanceof ConnectionClosed) return;
          this.log.warn(
            { link: this.name, why, err: err.message },
            'smpp: enquire_link unanswered, reconnecting',
          );
          conn.destroy(`enquire_link unanswered (${why})`);
        },
      )
      .finally(() => {
        this.checking = false;
      });
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private onRequest(conn: SmppConnection, pdu: Pdu): void {
    switch (pdu.command) {
      case 'enquire_link':
        conn.respond(pdu);
        return;
      case 'unbind':
        this.log.info({ link: this.name }, 'smpp: SMSC unbinds; reconnecting');
        conn.respond(pdu);
        void conn.end(this.opts.stopTimeoutMs, 'unbound by the SMSC');
        return;
      case 'deliver_sm':
      case 'data_sm':
        this.deliver(conn, pdu);
        return;
      case 'alert_notification':
      case 'outbind':
        return; // no response exists for these
      default:
        // A request an SMSC has no business sending to an ESME (submit_sm, bind…).
        conn.nack(pdu.sequence_number, ESME_RINVCMDID);
    }
  }

  private deliver(conn: SmppConnection, pdu: Pdu): void {
    if (this.stopping || !this.running) {
      conn.respond(pdu, ESME_RX_T_APPN);
      return;
    }
    let inbound: InboundPdu;
    try {
      inbound = { ...toInbound(pdu, { defaultAlphabet: this.opts.defaultAlphabet }), session: conn.id };
    } catch (err) {
      this.log.error({ link: this.name, err }, 'smpp: cannot read a deliver_sm; asking for redelivery');
      conn.respond(pdu, ESME_RX_T_APPN);
      return;
    }
    const { ussd } = inbound;
    if (ussd) {
      this.deliverUssd(conn, pdu, { ...inbound, ussd });
      return;
    }
    const handler = this.handler;
    if (!handler) {
      conn.respond(pdu, ESME_RX_T_APPN);
      return;
    }
    if (inbound.receipt) this.metrics.dlr?.(inbound.receipt.state);
    else this.metrics.moCount?.();
    this.runHandler(conn, pdu, () => handler(inbound));
  }

  private deliverUssd(conn: SmppConnection, pdu: Pdu, inbound: Omit<InboundUssd, 'responded'>): void {
    const handler = this.ussdHandler;
    if (!handler) {
      this.log.warn(
        { link: this.name, seq: pdu.sequence_number },
        'smpp: a USSD deliver_sm and no USSD handler; ESME_RX_P_APPN',
      );
      conn.respond(pdu, ESME_RX_P_APPN);
      return;
    }
    let answered!: (status: number | null) => void;
    const responded = new Promise<number | null>((resolve) => {
      answered = resolve;
    });
    this.runHandler(conn, pdu, () => handler({ ...inbound, responded }), answered);
  }

  /** Runs a handler and answers the PDU once it settles (see DeliverHandler). */
  private runHandler(
    conn: SmppConnection,
    pdu: Pdu,
    work: () => Promise<unknown>,
    answered?: (status: number | null) => void,
  ): void {
    const respond = (status: number) => {
      if (conn.closed) {
        this.log.warn(
          { link: this.name, seq: pdu.sequence_number },
          'smpp: link gone before the response; the SMSC will redeliver',
        );
        answered?.(null);
        return;
      }
      conn.respond(pdu, status);
      answered?.(status);
    };
    this.handlersRunning++;
    Promise.resolve()
      .then(work)
      .then(
        (status) => respond(typeof status === 'number' ? status : 0),
        (err) => {
          this.log.warn(
            { link: this.name, err, seq: pdu.sequence_number },
            'smpp: handler failed; ESME_RX_T_APPN',
          );
          respond(ESME_RX_T_APPN);
        },
      )
      .finally(() => {
        if (--this.handlersRunning === 0) for (const done of this.handlersIdle.splice(0)) done();
      });
  }

  private report(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

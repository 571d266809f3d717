/**
 * One TCP connection to an SMSC: frames PDUs (smpp.wire), numbers requests and matches their responses
 * with a deadline each, answers what is malformed or unknown with `generic_nack`, and hands the SMSC's
 * requests to its owner. It knows nothing of binds, windows or reconnecting (smpp.link does).
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import smpp from 'smpp';
import { AppError } from '../../lib/index.js';
import { ESME_RINVCMDID, ESME_RINVCMDLEN, statusName } from './smpp.errors.js';
import { type Frame, type Pdu, PduReader } from './smpp.wire.js';

/** A request got no response within its deadline (the SMSC may still act on it). */
export class RequestTimeout extends AppError {
  constructor(command: string, ms: number) {
    super('smpp_timeout', `no ${command}_resp within ${ms} ms`, 504, true, { retryable: true });
    this.name = 'RequestTimeout';
  }
}

/** The connection closed before the response came. */
export class ConnectionClosed extends AppError {
  constructor(reason: string) {
    super('smpp_connection_closed', `connection closed: ${reason}`, 503, true, { retryable: true });
    this.name = 'ConnectionClosed';
  }
}

/** The logger shape the SMPP modules take (pino's, or anything with these four methods). */
export interface SmppLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: SmppLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface Pending {
  command: string;
  resolve(pdu: Pdu): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface ConnectionEvents {
  /** Every PDU received, requests and responses (keeps the link's idle timer honest). */
  activity: [];
  /** A request from the SMSC, for the owner to answer. */
  request: [Pdu];
  close: [reason: string];
}

const MAX_SEQUENCE = 0x7fffffff;

export class SmppConnection extends EventEmitter<ConnectionEvents> {
  private readonly reader = new PduReader();
  private readonly pending = new Map<number, Pending>();
  private sequence = 0;
  private corked = false;
  private closeReason = 'closed by peer';
  closed = false;
  /** Names this connection in the PDUs it delivers (see InboundPdu.session). */
  readonly id = randomUUID();

  private constructor(
    private readonly socket: net.Socket,
    private readonly log: SmppLogger,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.closeReason = err.message;
      this.log.debug({ err }, 'smpp: socket error');
    });
    socket.on('close', () => this.onClose());
  }

  /** Connects with Nagle off (a PDU must not wait for the previous one's ACK); rejects after `timeoutMs`. */
  static open(host: string, port: number, timeoutMs: number, log: SmppLogger): Promise<SmppConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      socket.setNoDelay(true);
      const timer = setTimeout(
        () => socket.destroy(new Error(`connect timeout after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new SmppConnection(socket, log));
      });
    });
  }

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.pending.size;
  }

  /**
   * Sends a request and resolves with its response (or the generic_nack naming its sequence number),
   * whatever its status. Rejects with RequestTimeout or ConnectionClosed.
   */
  request(command: string, fields: Record<string, unknown>, timeoutMs: number): Promise<Pdu> {
    if (this.closed) return Promise.reject(new ConnectionClosed(this.closeReason));
    this.sequence = this.sequence >= MAX_SEQUENCE ? 1 : this.sequence + 1;
    const sequenceNumber = this.sequence;
    const pdu = new smpp.PDU(command, { ...fields, sequence_number: sequenceNumber });
    const buffer = pdu.toBuffer();
    return new Promise<Pdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(sequenceNumber);
        reject(new RequestTimeout(command, timeoutMs));
      }, timeoutMs);
      this.pending.set(sequenceNumber, { command, resolve, reject, timer });
      this.write(buffer);
    });
  }

  /** Answers a request from the SMSC with `status` (0 by default). */
  respond(request: Pdu, status = 0, fields: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.write(request.response({ ...fields, command_status: status }).toBuffer());
  }

  /** Answers a PDU we cannot take as a command: unknown id, bad length. */
  nack(sequenceNumber: number, status: number): void {
    if (this.closed) return;
    this.write(
      new smpp.PDU('generic_nack', { sequence_number: sequenceNumber, command_status: status }).toBuffer(),
    );
  }

  /** Half-closes and waits for the peer to close, destroying the socket after `timeoutMs`. */
  end(timeoutMs: number, reason: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closeReason = reason;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  destroy(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.socket.destroy();
  }

  // Writes made in one tick leave in one segment: corked until the tick ends (noDelay stays on).
  private write(buffer: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(buffer);
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      if (this.closed) return;
      this.emit('activity');
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Frame): void {
    const isResponse = (id: number) => (id & 0x80000000) !== 0;
    if (frame.kind === 'unknown') {
      this.log.warn({ commandId: frame.commandId, seq: frame.sequenceNumber }, 'smpp: unknown command id');
      if (!isResponse(frame.commandId)) this.nack(frame.sequenceNumber, ESME_RINVCMDID);
      return;
    }
    if (frame.kind === 'malformed') {
      this.log.warn(
        { commandId: frame.commandId, seq: frame.sequenceNumber, reason: frame.reason },
        'smpp: malformed PDU',
      );
      if (!isResponse(frame.commandId)) this.nack(frame.sequenceNumber, ESME_RINVCMDLEN);
      return;
    }
    const pdu = frame.pdu;
    if (!pdu.isResponse()) {
      this.emit('request', pdu);
      return;
    }
    const pending = this.pending.get(pdu.sequence_number);
    if (!pending) {
      // A response after its deadline, or to nothing we sent: nothing waits for it any more.
      this.log.debug(
        { command: pdu.command, seq: pdu.sequence_number },
        'smpp: response to no pending request',
      );
      return;
    }
    this.pending.delete(pdu.sequence_number);
    clearTimeout(pending.timer);
    if (pdu.command === 'generic_nack') {
      this.log.warn(
        { command: pending.command, status: statusName(pdu.command_status) },
        'smpp: generic_nack',
      );
    }
    pending.resolve(pdu);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.reset();
    const err = new ConnectionClosed(this.closeReason);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
    this.pending.clear();
    this.emit('close', this.closeReason);
  }
}

/**
 * The phone simulator's SMS side: an SMSC in this process (the repo's SMSC simulator on a loopback port,
 * with credentials made at start) that the gateway's SMS channel binds to like any SMSC when `SMPP_URL`
 * is unset. A text typed in the browser goes out as a real `deliver_sm` and each MT the gateway submits
 * lands in the inbox of the number it is addressed to, so the simulator shows what a handset would get
 * through the real SMPP link, codec and queue.
 */
import { randomBytes } from 'node:crypto';
import { normalizeMsisdn } from '../../lib/index.js';
import { encodeMt, SmscSimulator } from '../../channels/smpp/index.js';

/** One SMS in a number's inbox: sent by the phone (`mo`) or received from the short code (`mt`). */
export interface PhoneSms {
  /** Order of arrival in this process; the browser asks for what came after the last it has. */
  id: number;
  direction: 'mo' | 'mt';
  /** The other end: the short code (or whatever source the gateway set). */
  peer: string;
  text: string;
  at: string;
}

/** What of a whole MT (parts reassembled) the inbox keeps. */
interface WholeMt {
  source: string;
  destination: string;
  text: string;
}

/** What the simulator routes need of the SMS side. */
export interface PhoneSmsSide {
  /** Whether an ESME (the gateway's SMS channel) is bound, so an MO has somewhere to go. */
  readonly bound: boolean;
  /** Sends `text` from `msisdn` to the short code; answers the `deliver_sm_resp` statuses (0: accepted). */
  send(msisdn: string, text: string): Promise<number[]>;
  /** The inbox of `msisdn` (canonical form), after `afterId`. */
  inbox(msisdn: string, afterId?: number): PhoneSms[];
}

export interface PhoneSmscOptions {
  shortCode: string;
  /** Numbers whose inbox is kept. Oldest dropped past it. Default 1000. */
  maxNumbers?: number;
  /** Messages kept per number. Default 100. */
  maxPerNumber?: number;
  /** How long after a submit the SMSC sends its DELIVRD receipt. Default 200 ms. */
  receiptMs?: number;
}

/** An SMSC for the simulator: `smppUrl` is what the gateway binds to. */
export class PhoneSmsc implements PhoneSmsSide {
  readonly smsc: SmscSimulator;
  private readonly credentials = {
    systemId: 'phonesim',
    // A random password: the port is on loopback, but another local user should still not bind to it.
    password: randomBytes(4).toString('hex'),
  };
  private readonly inboxes = new Map<string, PhoneSms[]>();
  private nextId = 1;
  private port = 0;

  constructor(private readonly options: PhoneSmscOptions) {
    this.smsc = new SmscSimulator({
      shortCode: options.shortCode,
      credentials: this.credentials,
      autoDlrMs: options.receiptMs ?? 200,
    });
    this.smsc.on('message', (message: WholeMt) => this.received(message));
  }

  /** Listens on a free loopback port. */
  async start(): Promise<this> {
    this.port = await this.smsc.listen(0, '127.0.0.1');
    return this;
  }

  /** The `SMPP_URL` of this SMSC (password included: it stays in this process). */
  get smppUrl(): string {
    if (!this.port) throw new Error('the phone SMSC is not listening yet');
    const { systemId, password } = this.credentials;
    return `smpp://${systemId}:${password}@127.0.0.1:${this.port}`;
  }

  get bound(): boolean {
    return this.smsc.boundCount > 0;
  }

  async send(msisdn: string, text: string): Promise<number[]> {
    const canonical = normalizeMsisdn(msisdn);
    if (!canonical) throw new Error(`${msisdn} is not a mobile number`);
    // A long text goes as the concatenated parts a handset would send.
    const answers =
      encodeMt(text).length > 1 ? await this.smsc.moParts(msisdn, text) : [await this.smsc.mo(msisdn, text)];
    const statuses = answers.map((a) => a.commandStatus);
    if (statuses.every((s) => s === 0)) this.keep(canonical, 'mo', this.options.shortCode, text);
    return statuses;
  }

  inbox(msisdn: string, afterId = 0): PhoneSms[] {
    return (this.inboxes.get(msisdn) ?? []).filter((m) => m.id > afterId);
  }

  async close(): Promise<void> {
    await this.smsc.close();
  }

  private received(message: WholeMt): void {
    const canonical = normalizeMsisdn(message.destination);
    // An MT to something that is not a mobile number has no phone to show it on.
    if (canonical) this.keep(canonical, 'mt', message.source, message.text);
  }

  private keep(msisdn: string, direction: PhoneSms['direction'], peer: string, text: string): void {
    let list = this.inboxes.get(msisdn);
    if (!list) {
      if (this.inboxes.size >= (this.options.maxNumbers ?? 1000)) {
        const oldest = this.inboxes.keys().next().value;
        if (oldest !== undefined) this.inboxes.delete(oldest);
      }
      list = [];
      this.inboxes.set(msisdn, list);
    }
    list.push({ id: this.nextId++, direction, peer, text, at: new Date().toISOString() });
    const max = this.options.maxPerNumber ?? 100;
    if (list.length > max) list.splice(0, list.length - max);
  }
}

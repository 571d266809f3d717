/**
 * Several binds to one SMSC behind the SmppEndpoint surface: submits go round-robin over the links that
 * are bound (each keeps its own window), MOs from any of them reach the one handler. SMSCs often cap a
 * bind's throughput, and one bind lost leaves the others working. A USSD screen goes back on the bind its
 * dialog came in on while that one is up.
 */
import { EventEmitter } from 'node:events';
import { SmppSubmitError } from './smpp.errors.js';
import {
  type DeliverHandler,
  type SmppEndpoint,
  SmppLink,
  type SmppLinkOptions,
  type SubmitMt,
  type SubmitResult,
  type SubmitUssd,
  type UssdDeliverHandler,
  type UssdSubmitted,
} from './smpp.link.js';

export interface SmppPoolOptions extends SmppLinkOptions {
  /** Binds to open. Default 2. Each is named `<name>#<i>` in logs and metrics. */
  binds?: number;
}

interface PoolEvents {
  bound: [name: string];
  unbound: [name: string, reason: string];
  error: [Error];
}

export class SmppPool extends EventEmitter<PoolEvents> implements SmppEndpoint {
  readonly links: SmppLink[];
  private next = 0;

  constructor(options: SmppPoolOptions) {
    super();
    const count = Math.max(1, options.binds ?? 2);
    const base = options.name ?? new URL(options.url).host;
    this.links = Array.from(
      { length: count },
      (_, i) => new SmppLink({ ...options, name: `${base}#${i + 1}` }),
    );
    for (const link of this.links) {
      link.on('bound', (name) => this.emit('bound', name));
      link.on('unbound', (name, reason) => this.emit('unbound', name, reason));
      link.on('error', (err) => {
        if (this.listenerCount('error') > 0) this.emit('error', err);
      });
    }
  }

  /** At least one bind is up. */
  get bound(): boolean {
    return this.links.some((link) => link.bound);
  }

  liveSessions(): string[] {
    return this.links.flatMap((link) => link.liveSessions());
  }

  get boundCount(): number {
    return this.links.filter((link) => link.bound).length;
  }

  /** Starts every bind; resolves after each one's first attempt (see SmppLink.start). */
  async start(): Promise<void> {
    await Promise.all(this.links.map((link) => link.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((link) => link.stop()));
  }

  /** Resolves when any bind is up. */
  whenBound(timeoutMs?: number): Promise<void> {
    return Promise.any(this.links.map((link) => link.whenBound(timeoutMs))).catch(() => {
      throw new Error(`no bind up within ${timeoutMs} ms`);
    });
  }

  onDeliver(handler: DeliverHandler): void {
    for (const link of this.links) link.onDeliver(handler);
  }

  onUssd(handler: UssdDeliverHandler): void {
    for (const link of this.links) link.onUssd(handler);
  }

  submit(mt: SubmitMt): Promise<SubmitResult> {
    const link = this.pick();
    if (!link) return Promise.reject(new SmppSubmitError('not_bound', { detail: 'no bind up' }));
    return link.submit(mt);
  }

  submitUssd(screen: SubmitUssd): Promise<UssdSubmitted> {
    const same = screen.session
      ? this.links.find((l) => l.bound && l.liveSessions().includes(screen.session as string))
      : undefined;
    const link = same ?? this.pick();
    if (!link) return Promise.reject(new SmppSubmitError('not_bound', { detail: 'no bind up' }));
    return link.submitUssd(screen);
  }

  /** The next bound link, round-robin. */
  private pick(): SmppLink | undefined {
    for (let i = 0; i < this.links.length; i++) {
      const link = this.links[(this.next + i) % this.links.length];
      if (link.bound) {
        this.next = (this.next + i + 1) % this.links.length;
        return link;
      }
    }
    return undefined;
  }
}

/** One link, or a pool when `binds` is above 1. */
export function createSmppEndpoint(options: SmppPoolOptions): SmppEndpoint {
  return (options.binds ?? 1) > 1 ? new SmppPool(options) : new SmppLink(options);
}

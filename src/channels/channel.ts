/**
 * The channel seam (HOUSE: "The channel seam, in detail"; courier's `core/channels/handler.go`). Every
 * channel is one folder behind `ChannelDefinition`: what it does with the process (`create` an adapter
 * that mounts routes and/or opens a link, with its readiness, queues and metrics), and the pure half the
 * shared conformance suite checks without a process (`normalize` what comes in, `render` a screen within
 * the channel's size, map a send failure to one `SendError`). `src/channels/index.ts` lists the
 * definitions; the gateway loops over that list and knows no channel by name.
 */
import type { Queue } from 'bullmq';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { FlowInput, Screen } from '../../flows/index.js';
import type { Config } from '../config/index.js';
import { AppError, type Db, type Keyring, type Logger, type Redis, type RedisOptions } from '../lib/index.js';
import type { CommandBus } from '../queue/index.js';
import type { Navigation, SessionRunner, SessionRuntime, SmsHandOff } from '../sessions/index.js';
import type { SmppEndpoint, SmppMetricsHooks } from './smpp/index.js';

export type { Screen } from '../../flows/index.js';

/** The registered channels. */
export type ChannelId = 'sms' | 'ussd' | 'ussd-smpp' | 'ivr' | 'stk' | 'wap';

/** What the user did, normalized: who, in which session, and the flow input (or a move of the session). */
export interface Inbound {
  msisdn: string;
  sessionId: string;
  input: FlowInput;
  /** Back, home or the next page: asked of the session, not of the flow. */
  nav?: Navigation;
  /** Names this request among its retries (the USSD `text` path, an MO's id). */
  request?: string;
}

/** Why an inbound could not be read, in words fit for the peer (a USSD gateway, an SMSC). */
export interface Rejected {
  rejected: string;
  /** The HTTP status or SMPP command status that says so. */
  status: number;
}

/**
 * How a send failed, in the terms the outbound side acts on (courier's `SendError`): whether sending
 * again later may work, and whether the peer asked us to slow down. Links report; queues retry.
 */
export class SendError extends AppError {
  constructor(
    message: string,
    override readonly retryable: boolean,
    readonly throttled = false,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? 'send_failed', message, 503, true, options);
    this.name = 'SendError';
  }
}

/** What every adapter is given: the process's parts, never another adapter. */
export interface ChannelDeps {
  config: Config;
  db: Db;
  redis: Redis;
  bus: CommandBus;
  keys: Keyring;
  logger: Logger;
  /** A new Redis connection, closed with the process. */
  connection: (options?: RedisOptions) => Redis;
  /** The one session runtime every channel steps on. */
  runtime: SessionRuntime;
  /** Menu sessions on that runtime (USSD and the screen channels). */
  sessions: SessionRunner;
  /** Hands a user over to SMS (the IVR asks, the SMS confirms), through the runtime and the outbox. */
  handOff: SmsHandOff;
  /**
   * The SMPP link of `SMPP_URL`, one for the process (SMS and USSD over SMPP share its bind), or null
   * when none is configured. The first caller's metrics hooks report on it.
   */
  smpp: (metrics?: SmppMetricsHooks) => SmppEndpoint | null;
}

/**
 * A channel's HTTP routes: a router whose routes keep their full paths (`/stk/events`), every one at or
 * under `within` (`/stk`), so the app enters it only for those paths.
 */
export interface ChannelRoutes {
  within: string;
  router: Router;
}

/** A channel running in this process. */
export interface ChannelAdapter {
  readonly id: ChannelId;
  /** Routes to mount on the HTTP app (USSD, IVR, STK, WAP). */
  readonly routes?: ChannelRoutes;
  /** Opens its link or starts its workers; resolves even when its peer is not reachable yet. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Named probes for `/readyz` (`smpp: () => bound`). */
  readonly readiness?: Record<string, () => boolean | Promise<boolean>>;
  /** Its own queues, for the dashboard and the queue metrics. */
  queues?(): readonly Queue[];
  /** Registers its metrics on the app's registry. */
  registerMetrics?(registry: Registry): void;
}

/** One channel: its adapter, and the pure half the conformance suite checks. */
export interface ChannelDefinition<Raw = unknown> {
  readonly id: ChannelId;
  /** The adapter for this process, or null when the channel is not configured here (SMS without SMPP_URL). */
  create(deps: ChannelDeps): Promise<ChannelAdapter | null>;
  /** What came in, normalized, or why it cannot be read. */
  normalize(raw: Raw): Inbound | Rejected;
  /** A screen as the channel shows it: its pages (USSD) or the parts it is sent in (SMS). */
  render(screen: Screen): string[];
  /** Whether one rendered unit fits the channel (a USSD page, one message). */
  fits(unit: string): boolean;
  /** A failure of sending to the peer, as the one `SendError`. */
  sendError(err: unknown): SendError;
}

export const isRejected = (value: Inbound | Rejected): value is Rejected => 'rejected' in value;

/**
 * The send failure of a channel that answers inline (the reply is the HTTP response): the step itself is
 * the one send, and a session busy with the step a retry raced is worth retrying.
 */
export function inlineSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const busy = err instanceof AppError && err.code === 'session_busy';
  return new SendError(message, busy, false, { cause: err, code: busy ? 'session_busy' : 'send_failed' });
}

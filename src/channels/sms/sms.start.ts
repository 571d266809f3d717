/**
 * How a process starts the SMS channel: the SMPP link (one bind or several) from `SMPP_URL`, the SMS
 * conversation on the session runtime, and the channel between them.
 */
import { keyringOf, logger } from '../../lib/index.js';
import { createSmsConversation } from '../../sessions/index.js';
import type { ChannelDeps } from '../channel.js';
import { createSmppEndpoint, type SmppMetricsHooks } from '../smpp/index.js';
import { SmsChannel, type SmsLink } from './sms.channel.js';
import { SmsMetrics } from './sms.metrics.js';

/** What the SMS channel needs of the process (a test harness has it too; the runtime is optional there). */
export type SmsDeps = Pick<ChannelDeps, 'config' | 'db' | 'bus' | 'connection'> &
  Partial<Pick<ChannelDeps, 'runtime'>>;

export interface StartSmsOptions {
  /** A link to use instead of one built from `SMPP_URL` (tests). */
  link?: SmsLink;
  /** How long an SMS step waits for its command before saying the result follows. Default 30000 ms. */
  commandTimeoutMs?: number;
  /** How long a pending confirmation waits for `A` or the PIN, seconds. Default 600. */
  pendingTtlSeconds?: number;
  sweepEveryMs?: number;
  /** Start it now (default), or leave `start()` to the caller. */
  start?: boolean;
  metrics?: SmsMetrics;
}

/** The SMPP link of `SMPP_URL` (one bind or a pool), reporting to `metrics`. */
export function smppEndpointOf(config: ChannelDeps['config'], metrics: SmppMetricsHooks = {}) {
  if (!config.smppUrl) throw new Error('SMPP_URL is not set');
  return createSmppEndpoint({
    url: config.smppUrl,
    binds: config.smppBinds,
    windowSize: config.smppWindow,
    logger: logger.child({ component: 'smpp' }),
    metrics,
  });
}

/** Builds (and by default starts) the SMS channel; returns at once even when the SMSC is not reachable yet. */
export async function startSmsChannel(deps: SmsDeps, options: StartSmsOptions = {}): Promise<SmsChannel> {
  const metrics = options.metrics ?? new SmsMetrics();
  const link =
    options.link ??
    smppEndpointOf(deps.config, { bindState: (up, name) => metrics.bound.set({ bind: name }, up ? 1 : 0) });
  const conversation = createSmsConversation({
    db: deps.db,
    // Its own connection, free of BullMQ's scripts: concurrent steps' commands share writes.
    redis: deps.connection({ autoPipelining: true }),
    prefix: deps.config.redisPrefix,
    keys: keyringOf(deps.config),
    bus: deps.bus,
    commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
    defaultLocale: deps.config.locale,
    pendingTtlSeconds: options.pendingTtlSeconds,
    runtime: deps.runtime,
  });
  const channel = new SmsChannel({
    db: deps.db,
    config: deps.config,
    connection: deps.connection,
    link,
    conversation,
    metrics,
    sweepEveryMs: options.sweepEveryMs,
    // Enough jobs in hand to keep every bind's window full while some wait for their row updates.
    mtConcurrency: Math.max(20, 2 * deps.config.smppWindow * deps.config.smppBinds),
  });
  if (options.start ?? true) await channel.start();
  return channel;
}

/**
 * The SMS channel's public face, and how a process starts it: the SMPP link (one bind or several) from
 * `SMPP_URL`, the SMS conversation over the command bus, and the channel between them.
 */
import { keyringOf } from '../../lib/keyring.js';
import { logger } from '../../lib/logger.js';
import type { Context } from '../../main/context.js';
import { createSmsConversation } from '../../sessions/sms-conversation.js';
import { createSmppEndpoint } from '../smpp/smpp.pool.js';
import { SmsChannel, type SmsLink } from './sms.channel.js';
import { SmsMetrics } from './sms.metrics.js';

export { SmsChannel, type SmsLink } from './sms.channel.js';
export { SmsMetrics } from './sms.metrics.js';

export interface StartSmsOptions {
  /** A link to use instead of one built from `SMPP_URL` (tests). */
  link?: SmsLink;
  /** How long an SMS step waits for its command before saying the result follows. Default 30000 ms. */
  commandTimeoutMs?: number;
  /** How long a pending confirmation waits for `A` or the PIN, seconds. Default 600. */
  pendingTtlSeconds?: number;
  sweepEveryMs?: number;
}

/** Builds and starts the SMS channel; returns at once even when the SMSC is not reachable yet. */
export async function startSmsChannel(ctx: Context, options: StartSmsOptions = {}): Promise<SmsChannel> {
  const metrics = new SmsMetrics();
  const url = ctx.config.smppUrl;
  if (!options.link && !url) throw new Error('SMPP_URL is not set');
  const link =
    options.link ??
    createSmppEndpoint({
      url: url as string,
      binds: ctx.config.smppBinds,
      windowSize: ctx.config.smppWindow,
      logger: logger.child({ component: 'smpp' }),
      metrics: { bindState: (up, name) => metrics.bound.set({ bind: name }, up ? 1 : 0) },
    });
  const conversation = createSmsConversation({
    db: ctx.db,
    // Its own connection, free of BullMQ's scripts: concurrent steps' commands share writes.
    redis: ctx.connection({ autoPipelining: true }),
    prefix: ctx.config.redisPrefix,
    keys: keyringOf(ctx.config),
    bus: ctx.bus,
    commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
    defaultLocale: ctx.config.locale,
    pendingTtlSeconds: options.pendingTtlSeconds,
  });
  const channel = new SmsChannel({
    db: ctx.db,
    config: ctx.config,
    connection: ctx.connection,
    link,
    conversation,
    metrics,
    sweepEveryMs: options.sweepEveryMs,
    // Enough jobs in hand to keep every bind's window full while some wait for their row updates.
    mtConcurrency: Math.max(20, 2 * ctx.config.smppWindow * ctx.config.smppBinds),
  });
  await channel.start();
  return channel;
}

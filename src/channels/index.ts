/**
 * The channel registry: every channel the gateway runs, one line each (adding a channel is one folder,
 * one line here and one case table). `startChannels` creates the adapters configured in this process,
 * starts them in this order and gathers what the HTTP app needs of them; the gateway knows no channel
 * by name. The WAP terms page the openings point to is the WAP adapter's.
 */
import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import type { ChannelAdapter, ChannelDefinition, ChannelDeps, ChannelRoutes } from './channel.js';
import { ivrChannel } from './ivr/index.js';
import { smsChannel } from './sms/index.js';
import { stkChannel } from './stk/index.js';
import { ussdChannel, ussdSmppChannel } from './ussd/index.js';
import { wapChannel } from './wap/index.js';

export * from './channel.js';
export { createChannelDeps, type ProcessParts } from './channel-deps.js';

// biome-ignore lint/suspicious/noExplicitAny: each definition reads its own raw input type.
export const channels: readonly ChannelDefinition<any>[] = [
  smsChannel,
  ussdChannel,
  ussdSmppChannel,
  ivrChannel,
  stkChannel,
  wapChannel,
];

/** The channels running in this process, and what the app mounts and reports of them. */
export interface RunningChannels {
  adapters: ChannelAdapter[];
  routers: ChannelRoutes[];
  readiness: Record<string, () => boolean | Promise<boolean>>;
  queues(): Queue[];
  registerMetrics(registry: Registry): void;
  stop(): Promise<void>;
}

export async function startChannels(deps: ChannelDeps): Promise<RunningChannels> {
  const adapters: ChannelAdapter[] = [];
  for (const definition of channels) {
    const adapter = await definition.create(deps);
    if (adapter) adapters.push(adapter);
  }
  for (const adapter of adapters) await adapter.start?.();
  return {
    adapters,
    routers: adapters.flatMap((a) => (a.routes ? [a.routes] : [])),
    readiness: Object.assign({}, ...adapters.map((a) => a.readiness ?? {})),
    queues: () => adapters.flatMap((a) => [...(a.queues?.() ?? [])]),
    registerMetrics: (registry) => {
      for (const adapter of adapters) adapter.registerMetrics?.(registry);
    },
    // The reverse of the start order: a channel stops before what it was started after.
    async stop() {
      for (const adapter of [...adapters].reverse()) await adapter.stop?.();
    },
  };
}

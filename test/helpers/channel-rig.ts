/**
 * What channel tests run on: a harness (real PostgreSQL, Redis, BullMQ and workers), the seam's
 * `ChannelDeps` built over it as the gateway builds them, and the HTTP app with the channels' routes.
 */
import { type ChannelDeps, createChannelDeps } from '../../src/channels/index.js';
import type { Config } from '../../src/config/index.js';
import { startServer, type TestServer } from '../integration/ops/server.js';
import { createHarness, type Harness } from './harness.js';
import { expectBalanced } from './ledger.js';

export interface ChannelRig {
  h: Harness;
  deps: ChannelDeps;
  server: TestServer;
  close(): Promise<void>;
}

/** The deps of the gateway over `h`, built as the gateway builds them (USSD steps cut off at `ussdDeadlineMs`). */
export function channelDepsOf(h: Harness): ChannelDeps {
  return createChannelDeps({ ...h, kickOutbox: () => h.relay.kick() }, { smpp: () => null });
}

/** A harness and the app serving the routes `routes` makes of its deps. */
export async function startChannelRig(
  routes: (deps: ChannelDeps) => import('express').Router,
  overrides: Partial<Config> = {},
  options: { workers?: boolean } = {},
): Promise<ChannelRig> {
  const h = await createHarness(overrides, { workers: options.workers ?? true });
  const deps = channelDepsOf(h);
  const server = await startServer(h, { routers: [routes(deps)] });
  return {
    h,
    deps,
    server,
    async close() {
      await server.close();
      if (options.workers ?? true) await expectBalanced(h);
      await h.close();
    },
  };
}

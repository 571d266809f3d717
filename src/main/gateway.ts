/**
 * `npm start`: the whole gateway in one process: HTTP server, queue workers, outbox relay, scheduler,
 * and the SMS channel when `SMPP_URL` is set (its bind is then part of `/readyz`).
 */
import { startSmsChannel } from '../channels/sms/index.js';
import { termsRoutes } from '../channels/wap/terms.routes.js';
import { createApp } from '../http/index.js';
import { logger } from '../lib/logger.js';
import { contextReadiness } from '../ops/index.js';
import { boot } from './boot.js';

const { config, ctx, opsToken, onShutdown } = await boot('gateway', { workers: true });
const sms = config.smppUrl ? await startSmsChannel(ctx) : null;
if (sms) onShutdown(() => sms.stop());
const app = createApp(ctx, {
  opsToken,
  readiness: contextReadiness(ctx, sms ? { smpp: () => sms.bound } : {}),
  routers: [termsRoutes(config.locale)],
  extraQueues: () => sms?.queues ?? [],
  registerMetrics: (registry) => sms?.metrics.register(registry),
});
const server = app.listen(config.port, () => {
  // The port bound, not the one asked for: with PORT=0 the system picks it, and this line is how to find it.
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, publicUrl: config.publicUrl, smpp: Boolean(sms) }, 'gateway listening');
});
// Registered last, so it runs first: no new HTTP requests while the SMS link and the workers wind down.
onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));

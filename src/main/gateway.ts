/** `npm start`: the whole gateway in one process: HTTP server, queue workers, outbox relay, scheduler. */
import { createApp } from '../http/index.js';
import { logger } from '../lib/logger.js';
import { contextReadiness } from '../ops/index.js';
import { boot } from './boot.js';

const { config, ctx, opsToken, onShutdown } = await boot('gateway', { workers: true });
const app = createApp(ctx, { opsToken, readiness: contextReadiness(ctx) });
const server = app.listen(config.port, () => {
  logger.info({ port: config.port, publicUrl: config.publicUrl }, 'gateway listening');
});
onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));

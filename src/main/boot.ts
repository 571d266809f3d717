/**
 * What every process role does first: read the configuration, make sure PostgreSQL and Redis are
 * there (an embedded PostgreSQL under `./.data` when no DATABASE_URL is set, a local redis-server
 * when nothing answers at the default Redis URL), and build the context. Shutdown on SIGTERM/SIGINT
 * closes everything in reverse order, so in-flight batches commit and nothing is left running.
 */
import { randomBytes } from 'node:crypto';
import { type Config, loadConfig } from '../config/index.js';
import { ensureDatabase, ensureRedis, logger } from '../lib/index.js';
import { type Context, createContext } from './context.js';

export interface Booted {
  config: Config;
  ctx: Context;
  opsToken: string;
  onShutdown(step: () => Promise<void>): void;
}

export async function boot(role: string, options: { workers: boolean }): Promise<Booted> {
  const config = loadConfig();
  logger.level = config.logLevel;
  const log = (msg: string) => logger.info({ role }, msg);
  const database = await ensureDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  const redis = await ensureRedis({
    redisUrl: config.redisUrl,
    explicit: Boolean(process.env.REDIS_URL),
    dataDir: config.dataDir,
    log,
  });
  config.databaseUrl = database.url;
  config.redisUrl = redis.url;
  const ctx = await createContext(config, { workers: options.workers });

  let opsToken = config.opsToken;
  if (!opsToken) {
    opsToken = randomBytes(24).toString('base64url');
    // Printed once, on purpose not through the logger: it is for the person starting the gateway.
    process.stdout.write(`OPS_TOKEN not set; generated for this run: ${opsToken}\n`);
  }

  const steps: Array<() => Promise<void>> = [() => ctx.close(), () => redis.stop(), () => database.stop()];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ role, signal }, 'shutting down');
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        logger.error({ err }, 'shutdown step failed');
      }
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return { config, ctx, opsToken, onShutdown: (step) => steps.unshift(step) };
}

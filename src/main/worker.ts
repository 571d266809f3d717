/** `npm run worker`: command workers, outbox relay and scheduler alone, to scale them out beside the gateway. */
import { logger } from '../lib/index.js';
import { boot } from './boot.js';

const { config } = await boot('worker', { workers: true });
logger.info(
  { partitions: config.commandPartitions, concurrency: config.workerConcurrency },
  'worker running',
);

/**
 * Wires the parts of one process: database, Redis connections, the command runner and its workers,
 * the command bus, the outbox relay and the scheduled sweep. Process roles (gateway, worker) and the
 * tests build on it, so every role runs the same wiring.
 */
import type { Worker } from 'bullmq';
import type { Config } from '../config/index.js';
import { CommandRunner, isReadOnlyCommand } from '../commands/index.js';
import {
  createDb,
  createRedis,
  type Db,
  keyringOf,
  loadOrCreatePinKey,
  migrate,
  type Redis,
  type RedisOptions,
} from '../lib/index.js';
import {
  CallbackRelay,
  CommandBus,
  startCallbackWorker,
  startCommandWorkers,
  startDayClose,
  startMaintenance,
} from '../queue/index.js';
import { OutboxRelay } from '../channels/sms/index.js';
import { CoreMetrics } from '../ops/index.js';

export interface Context {
  config: Config;
  db: Db;
  redis: Redis;
  bus: CommandBus;
  runner: CommandRunner;
  relay: OutboxRelay;
  /** Moves merchant callbacks from their outbox to the callback queue. */
  callbacks: CallbackRelay;
  workers: Worker[];
  /**
   * The core's metrics: the runner and the bus report here, the channels' session runtime too (given it
   * by `createChannelDeps`), and each app puts them on its `/metrics`.
   */
  metrics: CoreMetrics;
  /** A new Redis connection (for BullMQ's blocking clients, or plain commands), closed with the context. */
  connection: (options?: RedisOptions) => Redis;
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Run command workers, the outbox relay and the sweep in this process (false: only produce commands). */
  workers: boolean;
  /** Interval of the scheduled sweep, ms. */
  sweepEveryMs?: number;
  clock?: () => Date;
}

export async function createContext(config: Config, options: ContextOptions): Promise<Context> {
  config.pinKey ??= loadOrCreatePinKey(config.dataDir);
  const db = createDb(config.databaseUrl!, config.dbPoolMax);
  await migrate(db);
  const connections: Redis[] = [];
  const connection = (redisOptions?: RedisOptions) => {
    const c = createRedis(config.redisUrl, 'fen', redisOptions);
    connections.push(c);
    return c;
  };
  const redis = connection();
  const metrics = new CoreMetrics();
  const runner = new CommandRunner(db, config, options.clock, metrics);
  const bus = new CommandBus({
    connection: redis,
    keys: keyringOf(config),
    blockingConnection: connection,
    prefix: config.redisPrefix,
    partitions: config.commandPartitions,
    commandsPerJob: config.commandsPerJob,
    reads: { isReadOnly: isReadOnlyCommand, run: (command) => runner.run(command) },
    metrics,
  });
  const relay = new OutboxRelay(db, redis, config.redisPrefix, keyringOf(config));
  const callbacks = new CallbackRelay(db, redis, config.redisPrefix);
  let workers: Worker[] = [];
  let maintenance: { close(): Promise<void> } | null = null;
  let dayClose: { close(): Promise<void> } | null = null;
  if (options.workers) {
    workers = startCommandWorkers({
      connection,
      prefix: config.redisPrefix,
      partitions: config.commandPartitions,
      concurrency: config.workerConcurrency,
      lockDuration: config.jobLockMs,
      runner,
      onCompleted: () => {
        relay.kick();
        callbacks.kick();
      },
    });
    relay.start();
    callbacks.start();
    workers.push(
      startCallbackWorker({
        db,
        keys: keyringOf(config),
        connection,
        prefix: config.redisPrefix,
        retry: { firstDelayMs: config.callbackFirstRetryMs },
        timeoutMs: config.callbackTimeoutMs,
      }),
    );
    dayClose = await startDayClose({ db, bus, connection, prefix: config.redisPrefix, clock: options.clock });
    maintenance = await startMaintenance({
      db,
      bus,
      connection,
      prefix: config.redisPrefix,
      everyMs: options.sweepEveryMs,
    });
  }
  return {
    config,
    db,
    redis,
    bus,
    runner,
    relay,
    callbacks,
    workers,
    metrics,
    connection,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await maintenance?.close();
      await dayClose?.close();
      await relay.stop();
      await callbacks.stop();
      await bus.close();
      await db.destroy();
      for (const c of connections) c.disconnect();
    },
  };
}

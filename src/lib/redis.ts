/** Redis connections. BullMQ wants `maxRetriesPerRequest: null` on connections that block (workers, events). */
import { Redis } from 'ioredis';

export interface RedisOptions {
  /**
   * Commands issued in one turn of the event loop go out as one write. Worth it for a connection of plain
   * commands shared by many callers; not for BullMQ's: every auto-pipeline copies the connection's
   * scripts (BullMQ defines dozens), which costs more than the writes it saves.
   */
  autoPipelining?: boolean;
}

export function createRedis(url: string, name = 'fen', options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    enableAutoPipelining: options.autoPipelining ?? false,
  });
}

export type { Redis };

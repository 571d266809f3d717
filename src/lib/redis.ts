/** Redis connections. BullMQ wants `maxRetriesPerRequest: null` on connections that block (workers, events). */
import { Redis } from 'ioredis';

export function createRedis(url: string, name = 'fen'): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, enableAutoPipelining: true });
}

export type { Redis };

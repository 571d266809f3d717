/**
 * Readiness checks (`GET /readyz`): each one a name and a probe that answers true or false within a
 * deadline. A probe that throws or hangs counts as false: a Redis that is down makes ioredis queue
 * commands rather than fail them, and a readiness endpoint that hangs is worse than one that says no.
 */
import type { OpsDeps } from './ops-deps.js';

/** Named probes; `readinessOf` turns them into the `readiness` function `createApp` takes. */
export type ReadinessProbes = Record<string, () => boolean | Promise<boolean>>;

/** The answer of each check by name. */
export type Readiness = () => Promise<Record<string, boolean>>;

function withDeadline(probe: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const answer = Promise.resolve()
    .then(probe)
    .then(
      (ok) => ok === true,
      () => false,
    );
  return Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
}

/** Runs every probe at once, each within `timeoutMs` (default 2000). */
export function readinessOf(probes: ReadinessProbes, timeoutMs = 2_000): Readiness {
  return async () => {
    const names = Object.keys(probes);
    const answers = await Promise.all(names.map((name) => withDeadline(probes[name], timeoutMs)));
    return Object.fromEntries(names.map((name, i) => [name, answers[i]]));
  };
}

/**
 * The gateway's own checks: PostgreSQL answers a query and Redis answers PING. Pass `extra` for the
 * rest (the SMPP bind, when configured: `{ smpp: () => link.bound }`).
 */
export function contextReadiness(
  ctx: Pick<OpsDeps, 'db' | 'redis'>,
  extra: ReadinessProbes = {},
  timeoutMs = 2_000,
): Readiness {
  return readinessOf(
    {
      postgres: async () => {
        await ctx.db.raw('SELECT 1');
        return true;
      },
      redis: async () => (await ctx.redis.ping()) === 'PONG',
      ...extra,
    },
    timeoutMs,
  );
}

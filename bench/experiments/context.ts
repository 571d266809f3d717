/**
 * What the experiments run on: a database and Redis prefix of their own (removed after), the benchmark's
 * 10,000 seeded wallets under a fresh PIN_KEY, and a gateway context over them as the gateway builds it,
 * with or without the command workers in this process; and, for the HTTP experiments, a local server
 * and autocannon posting to it with this process's CPU per request.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createHttpServer } from '../../src/http/index.js';
import { type Context, createContext } from '../../src/main/context.js';
import { seedWallets } from '../ledger-transfers.js';
import { REDIS_URL, withDatabase, withRedisPrefix } from '../lib.js';

export function withExperimentContext<T>(
  options: { workers: boolean; config?: Partial<Config> },
  work: (ctx: Context) => Promise<T>,
): Promise<T> {
  return withDatabase({ migrate: true }, (url) =>
    withRedisPrefix(async (prefix) => {
      const pinKey = randomBytes(32).toString('hex');
      await seedWallets(url, pinKey);
      const config = loadConfig(
        {},
        {
          databaseUrl: url,
          redisUrl: REDIS_URL,
          redisPrefix: prefix,
          pinKey,
          logLevel: 'warn',
          ...options.config,
        },
      );
      const ctx = await createContext(config, { workers: options.workers });
      try {
        return await work(ctx);
      } finally {
        await ctx.close();
      }
    }),
  );
}

/**
 * Runs `round(r)` `rounds` times and prints each one's CPU per step of this process (`steps` steps a
 * round), and `extra` after it.
 */
export async function measureRounds(
  rounds: number,
  steps: number,
  round: (r: number) => Promise<unknown>,
  extra: () => string = () => '',
): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await round(r);
    const spent = process.cpuUsage(cpu);
    const ms = (spent.user + spent.system) / 1000;
    console.log(
      `round ${r}: ${steps} steps in ${(performance.now() - t0).toFixed(0)} ms; CPU ${(ms / steps).toFixed(3)} ms/step (user ${(spent.user / 1000 / steps).toFixed(3)})${extra()}`,
    );
  }
}

/** Serves `app` on a free loopback port as the gateway serves it (`createHttpServer`): the server and its origin. */
export async function listenLocally(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * POSTs `body` to `url` from autocannon in a child process (`connections` at once for `seconds`, each
 * header `name=value`), and prints this process's CPU per request meanwhile, as `name`.
 */
export async function postLoadCpu(
  name: string,
  url: string,
  o: { body: string; headers: string[]; connections: number; seconds: number },
): Promise<void> {
  const args = ['-c', String(o.connections), '-d', String(o.seconds), '-m', 'POST', '-b', o.body, '-j'];
  for (const h of o.headers) args.push('-H', h);
  const cpu = process.cpuUsage();
  const requests = await new Promise<number>((resolve, reject) => {
    const child = spawn('node_modules/.bin/autocannon', [...args, url], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(out).requests.total as number));
  });
  const spent = process.cpuUsage(cpu);
  const ms = (spent.user + spent.system) / 1000 / requests;
  console.log(`${name}: ${requests} requests, CPU ${ms.toFixed(3)} ms/request`);
}

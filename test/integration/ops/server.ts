/**
 * Starts the real app on an ephemeral port over a harness context, and calls it with fetch.
 */
import type { AddressInfo } from 'node:net';
import { type AppOptions, createApp, createHttpServer } from '../../../src/http/index.js';
import type { Context } from '../../../src/main/context.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import { contextReadiness } from '../../../src/ops/index.js';

export const OPS_TOKEN = 'test-ops-token-0123456789';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
  body: any;
}

export interface TestServer {
  url: string;
  /** Calls the app; a JSON `body` is sent as JSON, a string as it is. Headers add to the defaults. */
  call(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string>; token?: string | null },
  ): Promise<Reply>;
  /** A call with the operator token. */
  ops(method: string, path: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

export async function startServer(ctx: Context, options: Partial<AppOptions> = {}): Promise<TestServer> {
  const app = createApp(ctx, { opsToken: OPS_TOKEN, readiness: contextReadiness(ctx), ...options });
  // Served as the gateway serves it (src/main/gateway.ts).
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call: TestServer['call'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (typeof init.body === 'string') body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
  return {
    url,
    call,
    ops: (method, path, body) => call(method, path, { body, token: OPS_TOKEN }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Registers the usual before/after pair of an ops test file: a harness and the app over it, handed to
 * `bind` once started, closed after the file's tests.
 */
export function useOpsServer(
  bind: (h: Harness, server: TestServer) => void,
  options: Partial<AppOptions> = {},
): void {
  let h: Harness | undefined;
  let server: TestServer | undefined;
  before(async () => {
    h = await createHarness();
    server = await startServer(h, options);
    bind(h, server);
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });
}

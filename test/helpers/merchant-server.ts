/**
 * A merchant's own HTTP server for tests: it receives the gateway's callbacks, checks each
 * `X-Fen-Signature` with the merchant's callback secret the way a merchant would (HMAC-SHA256 of
 * "<t>.<raw body>", constant-time compare, t within five minutes), and answers what the test planned
 * (500 for the next N, say). It can be stopped and started again on the same port.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  /** The body as sent (what the signature covers). */
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: the callback body as JSON
  body: any;
  signatureValid: boolean;
  /** The status this server answered. */
  answered: number;
}

/** Verifies a callback as a merchant would; false for anything malformed, stale or forged. */
export function verifySignature(secret: string, header: string | undefined, raw: string, now = Date.now()): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const t = Number(match[1]);
  if (Math.abs(now / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2], 'hex'));
}

export class MerchantServer {
  readonly received: ReceivedCallback[] = [];
  /** Statuses to answer, in order, before answering 200 to everything. */
  readonly plan: number[] = [];
  secret = '';
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/callbacks`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signatureValid = verifySignature(this.secret, req.headers['x-fen-signature'] as string, raw);
        const answered = signatureValid ? (this.plan.shift() ?? 200) : 401;
        let body: unknown = null;
        try {
          body = JSON.parse(raw);
        } catch {
          body = null;
        }
        this.received.push({ raw, body, signatureValid, answered });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The callbacks this server accepted (answered 2xx) about `id`, with event `event`. */
  accepted(event: string, id: string): ReceivedCallback[] {
    return this.received.filter((r) => r.answered < 300 && r.body?.event === event && r.body?.id === id);
  }
}

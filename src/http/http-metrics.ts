/**
 * HTTP metrics: `fen_http_requests_total{method, route, status}` and `fen_http_request_seconds{method,
 * route}`. `route` is the pattern that answered (`/api/accounts/:msisdn`, `/ussd`, `/wap/pay`), never the
 * path asked for: a path may hold an MSISDN, a payment id or a reference, and labels must say nothing
 * about anyone (nor grow without bound). A request no route answered is `unmatched`. Each channel's
 * HTTP entry point (USSD, IVR, STK, WAP) is its own route, so this also counts every HTTP channel.
 */
import type { Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

export class HttpMetrics {
  readonly requests = new Counter({
    name: 'fen_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [],
  });
  readonly seconds = new Histogram({
    name: 'fen_http_request_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [],
  });

  register(registry: Registry): void {
    registry.registerMetric(this.requests);
    registry.registerMetric(this.seconds);
  }

  /** Counts a request answered and its time (`requestContext`'s end hook, so one listener does both). */
  readonly observe = (req: Request, res: Response, seconds: number): void => {
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    const method = req.method;
    this.requests.inc({ method, route, status: String(res.statusCode) });
    this.seconds.observe({ method, route }, seconds);
  };
}

/**
 * `GET /healthz`: the process is up and serving HTTP (no dependencies checked: a liveness probe that
 * fails on a database outage only gets healthy processes restarted). `GET /readyz`: 200 when every
 * readiness check passes, else 503; the body lists each check either way. Neither needs a token:
 * orchestrators probe them without one, and they reveal nothing but up or down.
 */
import { Router } from 'express';
import type { Readiness } from './readiness.js';

export function healthRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    let checks: Record<string, boolean>;
    try {
      checks = await readiness();
    } catch {
      checks = { readiness: false };
    }
    const ready = Object.values(checks).every((ok) => ok === true);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  return router;
}

/**
 * What each layer of the gateway's HTTP stack costs an IVR webhook, NOT part of `npm run bench`: express
 * apps in this process built up a layer at a time (bare route; the form parser; the JSON parser before it;
 * request context and HTTP metrics), then the gateway's own app refusing the webhook's signature (403);
 * autocannon in a child process posts the IVR load's form body to each; prints this process's CPU per
 * request. For profiling: `node --cpu-prof --import tsx bench/experiments/http-layers.ts`.
 */
import express, { type RequestHandler } from 'express';
import { createChannelDeps, startChannels } from '../../src/channels/index.js';
import { createApp } from '../../src/http/index.js';
import { HttpMetrics } from '../../src/http/http-metrics.js';
import { requestContext } from '../../src/http/request-context.js';
import { logger } from '../../src/lib/index.js';
import { contextReadiness } from '../../src/ops/index.js';
import { listenLocally, postLoadCpu, withExperimentContext } from './context.js';

const seconds = Number(process.env.SECONDS ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 200);
const rounds = Number(process.env.ROUNDS ?? 2);
const body = new URLSearchParams({
  CallSid: `CA${'0'.repeat(32)}`,
  AccountSid: `AC${'0'.repeat(32)}`,
  From: '+8613900000001',
  To: '+8610658888',
  Direction: 'inbound',
  CallStatus: 'in-progress',
  Digits: '6',
}).toString();

/** The least a form reader does: the chunks, then URLSearchParams (what a leaner parser could cost). */
const leanForm: RequestHandler = (req, _res, next) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    req.body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    next();
  });
};

const layered = (layers: RequestHandler[]) => {
  const app = express();
  app.set('etag', false);
  for (const l of layers) app.use(l);
  app.post('/ivr/step/:step', (_req, res) => {
    res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
  return app;
};

await withExperimentContext({ workers: false, config: { twilioAuthToken: 'x'.repeat(32) } }, async (ctx) => {
  const deps = createChannelDeps(ctx, { smpp: () => null });
  const channels = await startChannels(deps);
  const log = logger.child({}, { level: 'warn' });
  const http = new HttpMetrics();
  const form = express.urlencoded({ extended: false, limit: 65536 });
  const json = express.json({ limit: 65536 });
  const gateway = createApp(ctx, {
    opsToken: 'x'.repeat(32),
    readiness: contextReadiness(ctx, channels.readiness),
    routers: channels.routers,
  });
  const cases: { name: string; app: express.Express; headers?: string[] }[] = [
    { name: 'bare express', app: layered([]) },
    { name: '+ form parser', app: layered([form]) },
    { name: '+ lean form reader', app: layered([leanForm]) },
    { name: '+ JSON parser (skips)', app: layered([json, form]) },
    { name: '+ request context', app: layered([requestContext(log), json, form]) },
    { name: '+ request context, metrics', app: layered([requestContext(log, http.observe), json, form]) },
    { name: 'the gateway app, no signature (403)', app: gateway },
    { name: 'the gateway app, a wrong signature (403)', app: gateway, headers: ['x-twilio-signature=AAAA'] },
  ];
  const only = process.env.CASES ? new RegExp(process.env.CASES) : null;
  const chosen = cases.filter((c) => !only || only.test(c.name));
  const servers = await Promise.all(chosen.map((c) => listenLocally(c.app)));
  for (let round = 0; round < rounds; round++)
    for (const [i, c] of chosen.entries())
      await postLoadCpu(c.name, `${servers[i].url}/ivr/step/3`, {
        body,
        headers: ['content-type=application/x-www-form-urlencoded', ...(c.headers ?? [])],
        connections,
        seconds,
      });
  for (const s of servers) s.server.close();
  await channels.stop();
});
process.exit(0);

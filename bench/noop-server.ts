/**
 * The reference of the USSD benchmarks (`http.noop`, spec/BENCH.md): the gateway's express, no
 * middleware at all (not even a body parser), one route `POST /ussd` answering `text/plain` `END ok`;
 * for the IVR's (`http.noop_ivr`), `POST /ivr/...` answering `text/xml`, an empty `<Response/>`; for the
 * STK's (`http.noop_stk`), `POST /stk/events` answering a fixed JSON.
 * WAP's (`http.noop_wap`), `GET /wap` answering a fixed HTML page.
 * Served as the gateway serves its app (`createHttpServer`: requests and responses made with the app's
 * prototypes), so express costs both sides the same; with `app.listen` express's prototype move on every
 * request was two-thirds of this server's CPU, and the reference three times weaker than it can be.
 * Run as a child process: `node --import tsx bench/noop-server.ts`; prints `listening <port>` once bound
 * (on `PORT`, default a free one).
 */
import express from 'express';
import { createHttpServer } from '../src/http/server.js';

const app = express();
app.post('/ussd', (_req, res) => {
  res.type('text/plain').send('END ok');
});
// `ivr.step`'s reference (bench/ivr.ts): every Twilio webhook path, an empty TwiML.
app.post('/ivr/*splat', (_req, res) => {
  res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response/>');
});
// `stk.step`'s reference (bench/stk.ts): the OTA platform's events, a fixed JSON reply.
app.post('/stk/events', (_req, res) => {
  res.json({ command: 'END', tlv: '' });
});
// `wap.page`'s reference (bench/wap.ts): a fixed page of the home page's size, with its balance line.
const WAP_PAGE = `<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>手机钱包</title></head><body><p>余额 ¥100.00</p>${'<p>x</p>'.repeat(80)}</body></html>`;
app.get('/wap', (_req, res) => {
  res.type('html').send(WAP_PAGE);
});
const server = createHttpServer(app).listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

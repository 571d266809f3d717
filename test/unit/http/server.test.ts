import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { Router } from 'express';
import { createHttpServer } from '../../../src/http/server.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('http server – createHttpServer', () => {
  it('a request and its response – made by Node with the app’s own prototypes already, so express has nothing to move', async () => {
    const app = express();
    app.get('/x', (_req, res) => {
      res.json({ ok: true });
    });
    const server = createHttpServer(app);
    const seen: { request: boolean; response: boolean; nodeTypes: boolean }[] = [];
    // Before the app: what Node made, as it made it.
    server.prependListener('request', (req, res) => {
      seen.push({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
        nodeTypes: req instanceof IncomingMessage && res instanceof ServerResponse,
      });
    });
    const url = await listen(server);
    try {
      const answer = await fetch(`${url}/x`);
      expect(answer.status).to.equal(200);
      expect(await answer.json()).to.deep.equal({ ok: true });
      expect(seen).to.deep.equal([{ request: true, response: true, nodeTypes: true }]);
    } finally {
      await close(server);
    }
  });

  it('express as usual – req.app, res.locals, params, a JSON body, status and headers, a router, the 404', async () => {
    const app = express();
    app.use(express.json());
    const router = Router();
    router.post('/echo/:id', (req, res) => {
      res.locals.seen = req.app === app;
      res
        .status(201)
        .set('X-Id', req.params.id)
        .json({ id: req.params.id, body: req.body, app: res.locals.seen, host: req.hostname });
    });
    app.use(router);
    const server = createHttpServer(app);
    const url = await listen(server);
    try {
      const answer = await fetch(`${url}/echo/7`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: 1 }),
      });
      expect(answer.status).to.equal(201);
      expect(answer.headers.get('x-id')).to.equal('7');
      expect(await answer.json()).to.deep.equal({ id: '7', body: { a: 1 }, app: true, host: '127.0.0.1' });
      expect((await fetch(`${url}/nowhere`)).status).to.equal(404);
    } finally {
      await close(server);
    }
  });

  it('an express app mounted inside – its own prototypes inside it, the outer app’s again after it', async () => {
    const outer = express();
    const inner = express();
    inner.get('/in', (req, res, next) => {
      res.locals.inner = req.app === inner && Object.getPrototypeOf(req) === inner.request;
      next();
    });
    outer.use('/sub', inner);
    outer.use((req, res) => {
      res.json({
        inner: res.locals.inner === true,
        outerAgain: req.app === outer && Object.getPrototypeOf(req) === outer.request,
      });
    });
    const server = createHttpServer(outer);
    const url = await listen(server);
    try {
      expect(await (await fetch(`${url}/sub/in`)).json()).to.deep.equal({ inner: true, outerAgain: true });
    } finally {
      await close(server);
    }
  });
});

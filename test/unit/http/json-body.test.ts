import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import express, { type RequestHandler } from 'express';
import { errorHandler } from '../../../src/http/errors.js';
import { jsonBody } from '../../../src/http/json-body.js';
import { logger } from '../../../src/lib/index.js';

const LIMIT = 256;

interface Sent {
  headers: Record<string, string>;
  body?: Buffer | Buffer[];
}
interface Answer {
  status: number;
  json: unknown;
}

/** One raw request (a list of chunks goes out chunked, each written on its own). */
function send(port: number, path: string, sent: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, method: 'POST', headers: sent.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.on('error', reject);
    for (const chunk of Array.isArray(sent.body) ? sent.body : sent.body ? [sent.body] : []) req.write(chunk);
    req.end();
  });
}

const json = (value: string, type = 'application/json'): Sent => ({
  headers: { 'content-type': type, 'content-length': String(Buffer.byteLength(value)) },
  body: Buffer.from(value),
});

describe('jsonBody', () => {
  let port: number;
  let close: () => void;
  /** Requests the fast path handed to express.json. */
  let handedOn = 0;

  before(async () => {
    const general = express.json({ limit: LIMIT });
    const counted: RequestHandler = (req, res, next) => {
      handedOn++;
      general(req, res, next);
    };
    const echo: RequestHandler = (req, res) => {
      res.json({ parsed: req.body === undefined ? '(none)' : req.body });
    };
    const app = express()
      .post('/ours', jsonBody(LIMIT, counted), echo)
      .post('/theirs', express.json({ limit: LIMIT }), echo)
      .use(errorHandler(logger.child({}, { level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
    close = () => server.close();
  });
  after(() => close());

  /** Each case: what it sends, and whether the fast path takes it (else it goes to express.json). */
  const cases: { name: string; sent: () => Sent; fast: boolean }[] = [
    { name: 'an object', sent: () => json('{"msisdn":"8613900000001","tlv":"D0"}'), fast: true },
    { name: 'an array', sent: () => json('[1,2,{"a":null}]'), fast: true },
    { name: 'Chinese text', sent: () => json('{"text":"余额 ¥100.00"}'), fast: true },
    {
      name: 'with charset=utf-8',
      sent: () => json('{"a":1}', 'application/json; charset=utf-8'),
      fast: true,
    },
    {
      name: 'with charset="UTF-8"',
      sent: () => json('{"a":1}', 'Application/JSON;charset="UTF-8"'),
      fast: true,
    },
    { name: 'a byte order mark first', sent: () => json('\ufeff{"a":1}'), fast: true },
    { name: 'an empty body', sent: () => json(''), fast: true },
    { name: 'whitespace only', sent: () => json(' \n '), fast: true },
    { name: 'a string (not strict JSON)', sent: () => json('"8613900000001"'), fast: true },
    { name: 'a number after whitespace', sent: () => json('  42'), fast: true },
    { name: 'broken JSON', sent: () => json('{"msisdn": "86139'), fast: true },
    { name: 'a trailing comma', sent: () => json('{"a":1,}'), fast: true },
    { name: 'one byte over the limit', sent: () => json(`{"a":"${'x'.repeat(LIMIT - 7)}"}`), fast: true },
    { name: 'at the limit', sent: () => json(`{"a":"${'x'.repeat(LIMIT - 8)}"}`), fast: true },
    {
      name: 'chunked, a character split across chunks',
      sent: () => {
        const bytes = Buffer.from('{"text":"中文"}');
        return {
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          body: [bytes.subarray(0, 10), bytes.subarray(10)],
        };
      },
      fast: true,
    },
    {
      name: 'chunked, over the limit',
      sent: () => ({
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: [Buffer.from(`{"a":"${'x'.repeat(LIMIT)}`), Buffer.from('"}')],
      }),
      fast: true,
    },
    { name: 'no body at all', sent: () => ({ headers: { 'content-type': 'application/json' } }), fast: true },
    {
      name: 'gzip',
      sent: () => {
        const body = gzipSync('{"a":"zipped"}');
        return {
          headers: {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'content-length': String(body.length),
          },
          body,
        };
      },
      fast: false,
    },
    { name: 'charset=latin1', sent: () => json('{"a":1}', 'application/json; charset=latin1'), fast: false },
    { name: 'another parameter', sent: () => json('{"a":1}', 'application/json; version=2'), fast: false },
    { name: 'a +json type', sent: () => json('{"a":1}', 'application/vnd.api+json'), fast: false },
    { name: 'text/json', sent: () => json('{"a":1}', 'text/json'), fast: false },
  ];

  for (const c of cases) {
    it(`${c.name}: answers as express.json does (${c.fast ? 'read here' : 'handed to express.json'})`, async () => {
      const before = handedOn;
      const ours = await send(port, '/ours', c.sent());
      expect(handedOn - before, 'handed to express.json').to.equal(c.fast ? 0 : 1);
      const theirs = await send(port, '/theirs', c.sent());
      expect(ours).to.deep.equal(theirs);
    });
  }

  it('the cases cover parsed bodies and each refusal: 400 bad_json, 413, 415', async () => {
    const answers = await Promise.all(cases.map((c) => send(port, '/ours', c.sent())));
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].sort()).to.deep.equal([200, 400, 413, 415]);
    const codes = answers.map((a) => (a.json as { error?: { code: string } }).error?.code).filter(Boolean);
    expect(new Set(codes)).to.deep.equal(new Set(['bad_json', 'payload_too_large', 'unsupported_charset']));
    expect(answers[0].json).to.deep.equal({ parsed: { msisdn: '8613900000001', tlv: 'D0' } });
  });
});

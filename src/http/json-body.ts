/**
 * The JSON body reader. The usual request (no content coding, no media-type parameter, or
 * `charset=utf-8`) is read with raw-body, the reader express.json itself uses, and parsed as
 * express.json would (strict: an object or an array; an empty body is `{}`; a byte order mark is
 * dropped); anything else (gzip, another charset) goes to express.json itself. Errors carry
 * body-parser's types (`entity.too.large`, `entity.parse.failed`, …), so the error middleware answers
 * them the same way.
 *
 * Why not express.json alone: around raw-body it parses the Content-Type header twice, checks the type
 * and builds an iconv decoder on every request. Measured on `stk.step`, alternating the two every 300 ms
 * within one gateway: 2-4 % of an STK event's CPU.
 */
import { finished } from 'node:stream';
import express, { type RequestHandler } from 'express';
import getRawBody from 'raw-body';

/** The Content-Type the fast path takes: JSON's own, with no parameter but the charset it is always in. */
const PLAIN_JSON = /^\s*application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;
/** body-parser's strict check: the first character that is not JSON whitespace. */
const FIRST_CHAR = /^[ \t\n\r]*([^ \t\n\r]|$)/;

/** A 400 the error middleware reads as malformed JSON (body-parser's `entity.parse.failed`). */
function parseFailed(message: string): Error {
  return Object.assign(new Error(message), {
    status: 400,
    statusCode: 400,
    expose: true,
    type: 'entity.parse.failed',
  });
}

/** The body as express.json({ strict: true }) reads it (throws as it does). */
function parseJsonBody(raw: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.length === 0) return {};
  const first = FIRST_CHAR.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw parseFailed('the JSON body is not an object or an array');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw parseFailed((err as Error).message);
  }
}

/**
 * Reads a JSON body of at most `limit` bytes into `req.body`; what the fast path does not take goes to
 * `general` (express.json with the same limit), which also leaves a type it does not parse unread.
 */
export function jsonBody(limit: number, general: RequestHandler = express.json({ limit })): RequestHandler {
  return (req, res, next) => {
    const { headers } = req;
    const coding = headers['content-encoding'];
    const coded = coding !== undefined && coding.toLowerCase() !== 'identity';
    if (coded || !PLAIN_JSON.test(headers['content-type'] ?? '')) {
      general(req, res, next);
      return;
    }
    req.body = undefined;
    // No body at all (type-is's `hasBody`): nothing to read.
    if (headers['transfer-encoding'] === undefined && Number.isNaN(Number(headers['content-length']))) {
      next();
      return;
    }
    getRawBody(req, { length: headers['content-length'], limit }, (err, body) => {
      if (err) {
        // Answered only once the rest of the request is read, so the connection can serve the next.
        req.resume();
        finished(req, () => next(err));
        return;
      }
      try {
        req.body = parseJsonBody(body.toString('utf8'));
      } catch (parseErr) {
        next(parseErr);
        return;
      }
      next();
    });
  };
}

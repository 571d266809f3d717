/**
 * Every error leaves the gateway as JSON `{"error": {"code", "message"}}` with a fitting status
 * (INTERFACES §8). An `AppError` says its own code and status; the body parsers' errors (too large,
 * malformed JSON) map to stable codes; anything else is a bug: logged with its request id and stack,
 * answered 500 `internal` with the request id and never the stack.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type Logger } from '../lib/index.js';
import { requestContextOf } from './request-context.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; requestId?: string };
}

/** body-parser's error types (`err.type`) and what they mean to a client. */
const parserErrors: Record<string, { status: number; code: string; message: string }> = {
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'the request body is too large' },
  'entity.parse.failed': { status: 400, code: 'bad_json', message: 'the request body is not valid JSON' },
  'parameters.too.many': { status: 413, code: 'payload_too_large', message: 'too many form parameters' },
  'encoding.unsupported': {
    status: 415,
    code: 'unsupported_encoding',
    message: 'unsupported content encoding',
  },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'unsupported charset' },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'the request was aborted' },
  'request.size.invalid': {
    status: 400,
    code: 'bad_request',
    message: 'the body does not match its Content-Length',
  },
};

/** What a client-side (4xx) error from express or its middleware looks like. */
interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

/** The last route: whatever no router answered is a JSON 404. */
export const notFoundHandler: RequestHandler = (req, res) => {
  const body: ErrorBody = { error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } };
  res.status(404).json(body);
};

/** The error middleware; `log` is the fallback logger for a request that has no context of its own. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    // Too late to answer with JSON: let express close the connection.
    if (res.headersSent) return next(err);
    const { id, log: reqLog } = requestContextOf(res, log);
    const send = (status: number, code: string, message: string, extra: Partial<ErrorBody['error']> = {}) => {
      const body: ErrorBody = { error: { code, message, ...extra } };
      res.status(status).json(body);
    };

    if (err instanceof AppError) {
      if (err.httpStatus >= 500 || !err.operational) reqLog.error({ err }, 'request failed');
      const status = err.httpStatus >= 400 && err.httpStatus <= 599 ? err.httpStatus : 500;
      return send(status, err.code, err.message);
    }
    const http = (err ?? {}) as HttpishError;
    const parser = http.type ? parserErrors[http.type] : undefined;
    if (parser) return send(parser.status, parser.code, parser.message);
    const status = http.status ?? http.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && http.expose) {
      return send(status, 'bad_request', err instanceof Error ? err.message : 'bad request');
    }

    reqLog.error({ err }, 'unhandled error');
    send(500, 'internal', `internal error; quote request id ${id} to the operators`, { requestId: id });
  };
}

/**
 * The HTTP server of an express app, whose requests and responses Node makes with the app's own
 * prototypes (`app.request`, `app.response`, which inherit Node's `IncomingMessage` and
 * `ServerResponse`) instead of Node's.
 *
 * Why: on entering the app, express moves every request and response onto those prototypes
 * (`Object.setPrototypeOf` in `app.handle`). V8 then sees each object change its shape after Node has
 * used it, and everything that touches them afterwards (Node's stream and HTTP code, express, the
 * channels) runs on more shapes than it was made for. Born with those prototypes, the move is a no-op
 * (the same prototype). The figures are in the README's Benchmarks section.
 * Everything else is Node's own server, with the app as its request listener.
 */
import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Express } from 'express';

export function createHttpServer(app: Express): Server {
  // Subclasses, so V8 lays the objects out as it does Node's own; their prototypes then take the place
  // of the app's: each gets what the app's had (express's methods above, `app` on it).
  const appRequest: object = app.request;
  const appResponse: object = app.response;
  class Request extends IncomingMessage {}
  class Response extends ServerResponse {}
  for (const [own, theirs] of [
    [Request.prototype, appRequest],
    [Response.prototype, appResponse],
  ] as const) {
    Object.setPrototypeOf(own, Object.getPrototypeOf(theirs));
    Object.defineProperties(own, Object.getOwnPropertyDescriptors(theirs));
  }
  app.request = Request.prototype as typeof app.request;
  app.response = Response.prototype as unknown as typeof app.response;
  return createServer({ IncomingMessage: Request, ServerResponse: Response }, app);
}

/** The HTTP layer: the app factory, request ids and the JSON error middleware. */
export { type AppOptions, createApp, type Mount } from './app.js';
export { type ErrorBody, errorHandler, notFoundHandler } from './errors.js';
export {
  REQUEST_ID_HEADER,
  type RequestContext,
  requestContext,
  requestContextOf,
} from './request-context.js';
export { createHttpServer } from './server.js';

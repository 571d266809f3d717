/** Structured logs (pino). PINs, passwords and tokens are redacted wherever they appear in a logged object. */
import { pino } from 'pino';
import { PIN_FIELDS } from './secrets.js';

/** Every field that can hold a secret, at the top of a logged object and two levels into it. */
const SECRET_FIELDS = [...PIN_FIELDS, 'loginPassword', 'token', 'apiKey'];

export const redactPaths = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.authorization',
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: { paths: redactPaths, censor: '[redacted]' },
});

export type Logger = typeof logger;

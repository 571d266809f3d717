/** Structured logs (pino). PINs, passwords and tokens are redacted wherever they appear in a logged object. */
import { pino } from 'pino';

export const redactPaths = [
  'pin',
  'oldPin',
  'newPin',
  'password',
  'loginPassword',
  'token',
  'apiKey',
  '*.pin',
  '*.oldPin',
  '*.newPin',
  '*.password',
  '*.loginPassword',
  '*.apiKey',
  '*.*.pin',
  '*.*.oldPin',
  '*.*.newPin',
  'req.headers.authorization',
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: { paths: redactPaths, censor: '[redacted]' },
});

export type Logger = typeof logger;

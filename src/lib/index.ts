/**
 * The lowest layer's door: the database and Redis clients, the logger, errors, money, phone numbers, time,
 * secrets and the keyring, and the local PostgreSQL and Redis a process may start.
 */
export { Batcher } from './batcher.js';
export { createDb, type Db, migrate, pgArray, type Trx } from './db.js';
export { DrainLoop } from './drain-loop.js';
export { AppError, conflict, unauthorized } from './errors.js';
export { decodeGsm, encodeGsm, gsmSeptets, isGsm } from './gsm7.js';
export { type Keyring, keyringOf, loadOrCreatePinKey } from './keyring.js';
export { LOCALES, type Locale, localeOr } from './locale.js';
export { type Logger, logger } from './logger.js';
export { fenFromJson, fenToJson, formatYuan, parseYuan, toHalfWidth } from './money.js';
export { nationalMsisdn, normalizeMsisdn } from './msisdn.js';
export { createRedis, type Redis, type RedisOptions } from './redis.js';
export {
  generatePassword,
  generatePin,
  hashSecret,
  isAcceptablePassword,
  isAcceptablePin,
  PIN_FIELDS,
  randomDigits,
  verifySecret,
} from './secrets.js';
export { ensureDatabase, ensureRedis } from './services.js';
export { businessDay, businessDayRange, chinaTime } from './time.js';
export {
  type CookieSessions,
  createCookieSessions,
  mountPages,
  newToken,
  sameToken,
  TOKEN,
  tokenDigest,
} from './web-session.js';

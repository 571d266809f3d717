/**
 * One typed, validated configuration for every process role. Each key names its environment
 * variable, its default and why it exists; `loadConfig()` reads `process.env` (and `.env`).
 */
import 'dotenv/config';
import { z } from 'zod';
import { LOCALES } from '../lib/index.js';

const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes in hex (64 hex digits)');
const yuanCap = (fen: number) => z.coerce.bigint().positive().default(BigInt(fen));

export const configSchema = z.object({
  /** `PORT`: HTTP port. Default 3000. */
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  /** `DATABASE_URL`: PostgreSQL URL. Unset: an embedded PostgreSQL under `./.data`. */
  databaseUrl: z.string().url().optional(),
  /** `REDIS_URL`: Redis for BullMQ and sessions. Default `redis://127.0.0.1:6379`. */
  redisUrl: z.string().default('redis://127.0.0.1:6379'),
  /** `REDIS_PREFIX`: key prefix of every queue, so several gateways (or test runs) share one Redis. */
  redisPrefix: z.string().default('fen'),
  /** `SMPP_URL`: SMSC to bind to, `smpp://system_id:password@host:port`. Unset: no SMPP link. */
  smppUrl: z.string().optional(),
  /** `SHORT_CODE`: the service short code. Default `10658888`. */
  shortCode: z.string().default('10658888'),
  /** `SMPP_TPS`: outbound submit_sm per second. Default 100. */
  smppTps: z.coerce.number().int().positive().default(100),
  /** `SMPP_BINDS`: transceiver binds to open to the SMSC; submits spread over them. Default 1. */
  smppBinds: z.coerce.number().int().min(1).max(16).default(1),
  /** `SMPP_WINDOW`: submit_sm outstanding per bind (what the SMSC allows). Default 10. */
  smppWindow: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * `SMS_MO_PER_MINUTE`: MOs one number may send in a minute (each part of a concatenated message
   * counts: it is a deliver_sm of its own). The rest are stored and acknowledged as
   * usual but run no command, and the number gets at most one "too fast" reply a minute: a phone (or a
   * script) flooding the short code cannot drive the ledger or the SMSC through us. Default 20.
   */
  smsMoPerMinute: z.coerce.number().int().min(1).default(20),
  /** `USSD_SERVICE_CODE`: the USSD code users dial. Default `*1065#`. */
  ussdServiceCode: z.string().default('*1065#'),
  /**
   * `USSD_DEADLINE_MS`: how long a USSD or IVR step waits for a command's result before answering that it
   * comes by SMS (a USSD centre drops a session that stays silent for long). Default 5000.
   */
  ussdDeadlineMs: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * `STK_PUSH_CHECK_MS`: how often at most an open STK session looks for a merchant's payment request
   * made since it began (the STK-push analogue shows it at the next step), so that steps in quick
   * succession do not each cost a query. 0: every step looks. Default 2000.
   */
  stkPushCheckMs: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** `TWILIO_AUTH_TOKEN`: validates IVR webhooks. Unset: IVR refused with 503. */
  twilioAuthToken: z.string().optional(),
  /** `PUBLIC_URL`: the base URL Twilio signs against. Default `http://localhost:$PORT`. */
  publicUrl: z.string().optional(),
  /** `OPS_TOKEN`: bearer token of operator calls. Unset: generated at start and printed once. */
  opsToken: z.string().min(16).optional(),
  /** `LOCALE`: default language of texts. */
  locale: z.enum(LOCALES).default(LOCALES[0]),
  /**
   * `PIN_KEY`: 32 bytes in hex: the key PINs are verified under and secrets at rest are sealed with
   * (INTERFACES §9). Unset: made on first start into `DATA_DIR/pin.key` (mode 0600) and reused; a
   * production deployment sets it from its secret store.
   */
  pinKey: hexKey.optional(),
  /** `PIN_KEY_PREVIOUS`: the key before a rotation: what it made still verifies, and is rewritten on use. */
  pinKeyPrevious: hexKey.optional(),
  /** `DATA_DIR`: where the embedded PostgreSQL and Redis keep their files. Default `./.data`. */
  dataDir: z.string().default('.data'),
  /** `LIMIT_PER_PAYMENT`: platform cap per payment or transfer, fen. Default 50000 (¥500). */
  limitPerPayment: yuanCap(50_000),
  /** `LIMIT_DAILY`: platform cap of a wallet's outgoing payments a day, fen. Default 100000 (¥1,000). */
  limitDaily: yuanCap(100_000),
  /** `PIN_MAX_FAILURES`: wrong PINs in a row before payments lock. Default 3. */
  pinMaxFailures: z.coerce.number().int().positive().default(3),
  /** `PIN_LOCK_HOURS`: how long payments stay locked after too many wrong PINs. Default 24. */
  pinLockHours: z.coerce.number().positive().default(24),
  /** `LOGIN_MAX_FAILURES`: wrong WAP login passwords in a row that lock WAP login (INTERFACES §7). Default 5. */
  loginMaxFailures: z.coerce.number().int().positive().default(5),
  /** `LOGIN_LOCK_MINUTES`: how long WAP login stays locked after them. Default 15. */
  loginLockMinutes: z.coerce.number().positive().default(15),
  /** `HOLD_TTL_MINUTES`: how long a merchant's payment request holds the money before it is voided. */
  holdTtlMinutes: z.coerce.number().int().positive().default(10),
  /**
   * `CALLBACK_FIRST_RETRY_MS`: the wait before the first retry of a merchant callback that got no 2xx;
   * each later wait doubles, at most an hour, for 24 hours (INTERFACES §8: the first within 10 s). Tests
   * shorten it. Default 5000.
   */
  callbackFirstRetryMs: z.coerce.number().int().min(1).max(10_000).default(5_000),
  /** `CALLBACK_TIMEOUT_MS`: how long one callback POST may take before it counts as failed. Default 10000. */
  callbackTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * `MERCHANT_KEY_GRACE_HOURS`: how long a rotated merchant key keeps working, so the merchant can roll
   * the new one out (a rotation may ask for less). Default 24.
   */
  merchantKeyGraceHours: z.coerce
    .number()
    .min(0)
    .max(24 * 30)
    .default(24),
  /** `COMMAND_PARTITIONS`: command queues; a paying account's commands always go to the same one. */
  commandPartitions: z.coerce.number().int().min(1).max(64).default(4),
  /** `WORKER_CONCURRENCY`: jobs in flight per partition per worker process; they meet in one batch. */
  workerConcurrency: z.coerce.number().int().min(1).max(2000).default(256),
  /** `COMMANDS_PER_JOB`: commands packed into one queue job by bulk producers (`sendMany`). */
  commandsPerJob: z.coerce.number().int().min(1).max(1000).default(100),
  /** `BATCH_MAX`: most commands applied in one database transaction. */
  batchMax: z.coerce.number().int().min(1).max(5000).default(2000),
  /**
   * `BATCHES_IN_FLIGHT`: batches applied at once per process. Concurrent batches of random transfers
   * share accounts and wait on each other's row locks; one at a time measured faster here. Default 1.
   */
  batchesInFlight: z.coerce.number().int().min(1).max(8).default(1),
  /** `BATCH_WAIT_MS`: how long a batch waits for company once its first command arrives. */
  batchWaitMs: z.coerce.number().min(0).max(100).default(1),
  /** `JOB_LOCK_MS`: how long a worker's claim on a job lasts unrenewed; a dead worker's jobs return after it. */
  jobLockMs: z.coerce.number().int().min(500).default(30_000),
  /** `DB_POOL_MAX`: PostgreSQL connections per process. */
  dbPoolMax: z.coerce.number().int().min(2).max(200).default(16),
  /** `MAX_BODY_BYTES`: the largest HTTP body accepted. */
  maxBodyBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /**
   * `SESSION_CACHE_SESSIONS`: sessions whose last record and running flow a process keeps beside Redis
   * (default 500; 0 turns it off). Rebuilding a flow from its sealed snapshot was most of a USSD step's
   * CPU. Each cached session costs about 20 KB of heap, and more RSS under load (measured 50–70 MB for
   * 500 in `sessions.memory`); a full cache admits no new session until one ends or idles a minute.
   */
  sessionCacheSessions: z.coerce.number().int().min(0).max(1_000_000).default(500),
  /**
   * `NODE_ENV`: `production` turns off what is only for trying the gateway: the phone simulator
   * (`/simulator`, then 404) and the in-process SMSC it binds the SMS channel to when `SMPP_URL` is unset.
   * Default `development`.
   */
  nodeEnv: z.string().default('development'),
  /** `LOG_LEVEL`: pino level. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

const envNames: Record<keyof Config, string> = {
  port: 'PORT',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'REDIS_PREFIX',
  smppUrl: 'SMPP_URL',
  shortCode: 'SHORT_CODE',
  smppTps: 'SMPP_TPS',
  smppBinds: 'SMPP_BINDS',
  smppWindow: 'SMPP_WINDOW',
  smsMoPerMinute: 'SMS_MO_PER_MINUTE',
  ussdServiceCode: 'USSD_SERVICE_CODE',
  ussdDeadlineMs: 'USSD_DEADLINE_MS',
  stkPushCheckMs: 'STK_PUSH_CHECK_MS',
  twilioAuthToken: 'TWILIO_AUTH_TOKEN',
  publicUrl: 'PUBLIC_URL',
  opsToken: 'OPS_TOKEN',
  locale: 'LOCALE',
  pinKey: 'PIN_KEY',
  pinKeyPrevious: 'PIN_KEY_PREVIOUS',
  dataDir: 'DATA_DIR',
  limitPerPayment: 'LIMIT_PER_PAYMENT',
  limitDaily: 'LIMIT_DAILY',
  pinMaxFailures: 'PIN_MAX_FAILURES',
  pinLockHours: 'PIN_LOCK_HOURS',
  loginMaxFailures: 'LOGIN_MAX_FAILURES',
  loginLockMinutes: 'LOGIN_LOCK_MINUTES',
  holdTtlMinutes: 'HOLD_TTL_MINUTES',
  callbackFirstRetryMs: 'CALLBACK_FIRST_RETRY_MS',
  callbackTimeoutMs: 'CALLBACK_TIMEOUT_MS',
  merchantKeyGraceHours: 'MERCHANT_KEY_GRACE_HOURS',
  commandPartitions: 'COMMAND_PARTITIONS',
  workerConcurrency: 'WORKER_CONCURRENCY',
  commandsPerJob: 'COMMANDS_PER_JOB',
  batchMax: 'BATCH_MAX',
  batchesInFlight: 'BATCHES_IN_FLIGHT',
  batchWaitMs: 'BATCH_WAIT_MS',
  jobLockMs: 'JOB_LOCK_MS',
  dbPoolMax: 'DB_POOL_MAX',
  maxBodyBytes: 'MAX_BODY_BYTES',
  sessionCacheSessions: 'SESSION_CACHE_SESSIONS',
  nodeEnv: 'NODE_ENV',
  logLevel: 'LOG_LEVEL',
};

/** Reads the environment (empty strings count as unset) and applies `overrides` on top. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  // Overrides are validated with the rest: a bad knob fails here, not as a spinning worker later.
  const parsed = configSchema.safeParse({ ...raw, ...overrides });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${envNames[i.path[0] as keyof Config] ?? i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const config = parsed.data;
  config.publicUrl ??= `http://localhost:${config.port}`;
  return config;
}

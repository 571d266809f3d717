/** Queue names. Command queues are partitioned by the paying account; the rest are single queues. */
export const commandQueueName = (partition: number) => `commands-${partition}`;
export const OUTBOUND_SMS_QUEUE = 'sms-outbound';
export const INBOUND_SMS_QUEUE = 'sms-inbound';
export const MAINTENANCE_QUEUE = 'maintenance';
export const MERCHANT_CALLBACK_QUEUE = 'merchant-callbacks';
export const DAY_CLOSE_QUEUE = 'day-close';

/** One outbound SMS: written by the outbox relay or an answered MO, sent by the SMPP sender. */
export interface OutboundSms {
  /** The MT's id (`sms_mt.job_id`): `outbox-<id>`, `reply-<mo>-<n>`, `offer-…`. */
  id: string;
  msisdn: string;
  /** Sealed under the PIN key when `sensitive`: only the sender unseals it, right before the submit_sm. */
  text: string;
  reason: string;
  /** Holds initial passwords: the sender removes the job once sent instead of keeping it for a week. */
  sensitive: boolean;
}

/**
 * Job data of the outbound queue: the MTs written together (the replies to a batch of MOs, say) travel
 * as one job, so the queue's cost is paid per batch, not per message. A job of one MT carries the MT's
 * id; a job of several, `batch-<first id>-<count>-<digest>` (kept in `sms_mt.batch_id`).
 */
export interface OutboundBatch {
  mts: OutboundSms[];
}

/** Most MTs one outbound job carries: enough to fill an SMSC window, few enough to retry cheaply. */
export const MAX_MTS_PER_JOB = 50;

/** Outbound SMS retry for a day and more (a link may be down for hours); kept a week, failures a month. */
export const outboundJobOptions = {
  attempts: 20,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** 32-bit FNV-1a: a stable, well-spread hash to pick a partition (Blnk does the same). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The BullMQ job id of a command: its key and a fingerprint of its content. BullMQ ignores a second
 * add of an id it holds, so the same command sent twice runs once; the same key with other content
 * gets another id, reaches the runner, and is refused there as an idempotency conflict. Job ids may be
 * neither integers nor contain `:`, so the key is percent-encoded behind a `k_` prefix.
 */
export const jobIdOf = (key: string, fingerprint: string) =>
  `k_${encodeURIComponent(key)}.${fingerprint.slice(0, 20)}`;
/**
 * The job id of an operator's command carrying its audit row: its own job per call (`keyOfJob` still reads
 * the key: the suffix holds no `.`).
 */
export const auditedJobIdOf = (jobId: string, auditId: string) => `${jobId}-a${auditId}`;
/** The job name of several commands in one job (`CommandBus.sendMany`); its result is theirs, in order. */
export const ENVELOPE = 'envelope';
export interface Envelope {
  /**
   * The commands (`{key, type, input}[]` as JSON), sealed in one piece under PIN_KEY: one seal and one
   * open per envelope rather than per command, and nothing of them readable in Redis.
   */
  sealed: string;
}
/**
 * An envelope's id from the keyed fingerprint of the commands it holds, as sent: the same list sent
 * twice is one job, and the id says nothing of what they hold.
 */
export const envelopeIdOf = (fingerprint: string) => `e_${fingerprint.slice(0, 32)}`;

export const keyOfJob = (jobId: string) =>
  jobId.startsWith('k_') ? decodeURIComponent(jobId.slice(2, jobId.lastIndexOf('.'))) : jobId;

/**
 * Turns stored MOs into conversation steps and replies. A job only names an `sms_mo` row; the row is the
 * truth. A part of a concatenated message waits until its siblings are in (the last part's job runs
 * the whole text) or, after CONCAT_WAIT_SECONDS, the sweep runs what arrived.
 *
 * Re-running an MO is harmless: its conversation step derives every command key from the MO's id, and
 * its replies are queued under job ids derived from it too, so a second run changes nothing and sends
 * nothing twice.
 *
 * The text is read unsealed (the row holds it sealed while it waits), and the row keeps it with its PINs
 * masked once answered. An MO stored past its number's `SMS_MO_PER_MINUTE` (`over_limit`) runs no command:
 * it is marked processed with at most one "too fast" reply a minute to the number.
 */
import { type Job, Queue, Worker } from 'bullmq';
import { maskSecrets } from '../../../flows/grammar/index.js';
import { type Locale, text as catalogText } from '../../../flows/texts/index.js';
import { Batcher, type Db, type Keyring, logger, normalizeMsisdn, type Redis } from '../../lib/index.js';
import { userProfile } from '../../ledger/index.js';
import { INBOUND_SMS_QUEUE, type OutboundBatch } from '../../queue/index.js';
import {
  assemble,
  leftBehind,
  loadMo,
  MO_RATE_WINDOW_SECONDS,
  type ProcessedMo,
  processedParts,
  type StoredMo,
  siblingParts,
} from './mo-store.js';
import { batchesOf, type MtBatch, type QueuedMt, queueJobs, recordAnswers } from './mt-store.js';

/** What answers an MO: the SMS conversation (src/sessions). */
export interface Conversation {
  handle(msisdn: string, text: string, opts?: { messageId?: string }): Promise<string[]>;
  offerOpen(msisdn: string): Promise<string[]>;
}

export interface InboundJob {
  moId: string;
  /** Run a concatenated message with the parts that came, the rest having been waited for long enough. */
  force?: boolean;
}

const inboundJobOptions = {
  attempts: 10,
  backoff: { type: 'exponential' as const, delay: 500 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** An answered MO: its replies to store and queue, and its parts to mark answered with what they keep. */
interface Answer {
  outbound: Queue<OutboundBatch>;
  mts: QueuedMt[];
  mos: ProcessedMo[];
}

export interface InboundSmsOptions {
  db: Db;
  connection: () => Redis;
  prefix: string;
  /** Unseals waiting MOs. */
  keyring: Keyring;
  /** The language of a "too fast" reply to a number with no profile language (the config's `locale`). */
  defaultLocale: Locale;
}

const HAN = /\p{Script=Han}/u;

export class InboundSms {
  readonly queue: Queue<InboundJob>;
  /** Answers that come while one is being written are written together by the next. */
  private readonly answers = new Batcher<Answer, undefined>((answers) => this.writeAnswers(answers), {
    max: 500,
    waitMs: 0,
    maxInFlight: 1,
    isolateFailures: true,
  });
  private worker: Worker<InboundJob> | null = null;
  private handlers: { conversation: Conversation; outbound: Queue<OutboundBatch> } | null = null;
  private inProcess = 0;
  private readonly db: Db;
  private readonly connection: () => Redis;
  private readonly prefix: string;
  private readonly keyring: Keyring;
  private readonly defaultLocale: Locale;
  /** Claims the one "too fast" reply of a minute. */
  private readonly redis: Redis;

  constructor(options: InboundSmsOptions) {
    this.db = options.db;
    this.connection = options.connection;
    this.prefix = options.prefix;
    this.keyring = options.keyring;
    this.defaultLocale = options.defaultLocale;
    this.queue = new Queue<InboundJob>(INBOUND_SMS_QUEUE, {
      connection: this.connection(),
      prefix: this.prefix,
    });
    this.redis = this.connection();
  }

  /** Wakes a worker for a stored MO. */
  async enqueue(moId: string, force = false, attempt = ''): Promise<void> {
    await this.queue.add('mo', { moId, force }, { ...inboundJobOptions, jobId: `mo-${moId}${attempt}` });
  }

  /**
   * Answers a just-stored MO here, without a queue round trip, while fewer than `concurrency` are in
   * hand; past that, or if it fails, it goes to the queue (its retries and backoff). Either way the row
   * is the truth and the sweep is the safety net.
   */
  dispatch(mo: StoredMo, concurrency = 50): void {
    const moId = mo.id;
    const handlers = this.handlers;
    if (!handlers || this.inProcess >= concurrency) {
      this.enqueue(moId).catch((err) => logger.warn({ err, mo: moId }, 'MO job not queued; the sweep will'));
      return;
    }
    this.inProcess++;
    this.process({ moId }, handlers.conversation, handlers.outbound, mo)
      .catch((err) => {
        logger.warn({ err, mo: moId }, 'MO failed in process; queued for retry');
        return this.enqueue(moId);
      })
      .catch((err) => logger.warn({ err, mo: moId }, 'MO job not queued; the sweep will'))
      .finally(() => {
        this.inProcess--;
      });
  }

  /** Processes MOs: `conversation` answers, replies go to the outbound queue. */
  start(conversation: Conversation, outbound: Queue<OutboundBatch>, concurrency = 50): void {
    this.handlers = { conversation, outbound };
    this.worker = new Worker<InboundJob>(
      INBOUND_SMS_QUEUE,
      (job: Job<InboundJob>) => this.process(job.data, conversation, outbound),
      { connection: this.connection(), prefix: this.prefix, concurrency },
    );
    this.worker.on('error', (err) => logger.error({ err }, 'MO worker error'));
  }

  /** Answers the MO `job` names (`known`: its row, when the caller has it already). */
  async process(
    job: InboundJob,
    conversation: Conversation,
    outbound: Queue<OutboundBatch>,
    known?: StoredMo,
  ): Promise<string> {
    const mo = known ?? (await loadMo(this.db, this.keyring, job.moId));
    if (mo?.status !== 'received') return 'done already';
    const parts = await siblingParts(this.db, this.keyring, mo);
    const { text, complete } = assemble(parts);
    if (!complete && !job.force) return 'waiting for parts';
    // The message is named after its first part, whichever part's job gets here.
    const messageId = `mo-${parts[0].id}`;
    const replies = parts.some((p) => p.overLimit)
      ? await this.tooFast(mo.msisdn, text)
      : await conversation.handle(mo.msisdn, text, { messageId });
    await this.answers.submit({
      outbound,
      mts: replies.map((reply, n) => ({
        jobId: `reply-${parts[0].id}-${n}`,
        msisdn: mo.msisdn,
        text: reply,
        reason: 'reply',
        sensitive: false,
      })),
      mos: processedParts(parts, maskSecrets(text)),
    });
    return `replied ${replies.length}`;
  }

  /**
   * The reply to an MO past its number's limit: the "too fast" text, if no other MO of the number has
   * claimed it in the last minute (SET NX with an expiry: one claim wins however many MOs run at once; a
   * run that dies after claiming leaves that minute without a reply, never with two).
   */
  private async tooFast(msisdn: string, body: string): Promise<string[]> {
    if (normalizeMsisdn(msisdn) === null) return [];
    const key = `${this.prefix}:sms:too-fast:${msisdn}`;
    const claimed = await this.redis.set(key, '1', 'EX', MO_RATE_WINDOW_SECONDS, 'NX');
    if (claimed !== 'OK') return [];
    // As the conversation picks it: the profile's language, else Chinese if the user wrote some.
    const profile = await userProfile(this.db, msisdn);
    const locale = profile.locale ?? (HAN.test(body) ? 'zh-CN' : this.defaultLocale);
    return [catalogText(locale, 'sms.flood')];
  }

  /**
   * The replies stored and their MOs marked answered in one statement, then their jobs (one for the
   * replies to each queue's MOs, in batches): a crash in between leaves replies `queued`, which the sweep
   * queues again from their rows (`requeueStranded`).
   */
  private async writeAnswers(answers: Answer[]): Promise<undefined[]> {
    const byQueue = new Map<Queue<OutboundBatch>, QueuedMt[]>();
    for (const a of answers) {
      const mts = byQueue.get(a.outbound) ?? [];
      mts.push(...a.mts);
      byQueue.set(a.outbound, mts);
    }
    const batches: MtBatch[] = [];
    const queueOf = new Map<string, Queue<OutboundBatch>>();
    for (const [outbound, mts] of byQueue)
      for (const b of batchesOf(mts)) {
        batches.push(b);
        queueOf.set(b.id, outbound);
      }
    const stored = await recordAnswers(
      this.db,
      batches,
      answers.flatMap((a) => a.mos),
    );
    for (const [outbound] of byQueue)
      await queueJobs(
        outbound,
        stored.filter((b) => queueOf.get(b.id) === outbound),
      );
    return answers.map(() => undefined);
  }

  /** Re-wakes MOs whose job was lost and runs concatenated messages whose missing parts never came. */
  async sweep(staleSeconds = 30): Promise<number> {
    const behind = await leftBehind(this.db, staleSeconds);
    const round = `-s${Math.floor(Date.now() / 1000)}`;
    for (const { id, force } of behind) await this.enqueue(id, force, round);
    return behind.length;
  }

  async stop(): Promise<void> {
    this.handlers = null;
    const deadline = Date.now() + 10_000;
    while (this.inProcess > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.worker?.close();
    await this.queue.close();
  }
}

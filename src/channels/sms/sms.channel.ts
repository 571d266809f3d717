/**
 * The SMS channel (INTERFACES §3): the SMPP link's MOs stored then answered by the SMS conversation,
 * receipts applied to the MTs they report on, and the outbound queue (notifications from the outbox and
 * replies) drained into the link at `SMPP_TPS`.
 *
 * An MO's `deliver_sm_resp` waits for its row in PostgreSQL, nothing more: the queue job that wakes a
 * worker is best effort (the sweep re-wakes what a lost job left behind), so a slow or absent Redis never
 * makes the SMSC resend.
 *
 * Secrets at rest (INTERFACES §9): MOs are stored sealed and kept masked once answered (mo-store.ts), and
 * initial passwords travel sealed to the MT sender (mt-store.ts), all under the keyring of `PIN_KEY`.
 */
import { Queue, type Worker } from 'bullmq';
import type { Config } from '../../config/index.js';
import { Batcher, type Db, type Keyring, keyringOf, logger, type Redis } from '../../lib/index.js';
import { OUTBOUND_SMS_QUEUE, type OutboundBatch } from '../../queue/index.js';
import type { InboundPdu, SmppEndpoint } from '../smpp/index.js';
import { type InboundMo, type StoreOutcome, storeMos } from './mo-store.js';
import { type Conversation, InboundSms } from './mo.worker.js';
import { applyReceipts, type Receipt, requeueStranded } from './mt-store.js';
import { type MtSubmitter, startMtSender } from './mt-sender.worker.js';
import { SmsMetrics } from './sms.metrics.js';

/** How long a reply may stay `queued` before the sweep queues its job again (it may only be slow). */
const STRANDED_SECONDS = 60;

/** What the channel needs of the SMPP link (one bind or a pool). */
export type SmsLink = Pick<
  SmppEndpoint,
  'bound' | 'start' | 'stop' | 'onDeliver' | 'submit' | 'liveSessions'
>;

export interface SmsChannelOptions {
  db: Db;
  config: Pick<
    Config,
    'redisPrefix' | 'shortCode' | 'smppTps' | 'smsMoPerMinute' | 'locale' | 'pinKey' | 'pinKeyPrevious'
  >;
  connection: () => Redis;
  link: SmsLink;
  conversation: Conversation;
  metrics?: SmsMetrics;
  /** How often MOs left behind are looked for, ms. Default 5000. */
  sweepEveryMs?: number;
  /** MO workers in this process. Default 50. */
  moConcurrency?: number;
  /** MT jobs in flight in this process. Default 20. */
  mtConcurrency?: number;
}

export class SmsChannel {
  readonly inbound: InboundSms;
  readonly outbound: Queue<OutboundBatch>;
  readonly metrics: SmsMetrics;
  private sender: Worker<OutboundBatch> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** MOs that arrive while one insert runs are stored together by the next (one commit for all). */
  private readonly moWrites: Batcher<InboundMo, StoreOutcome>;
  /** Receipts likewise: one comes back for every MT sent. */
  private readonly receiptWrites: Batcher<Receipt, string | null>;
  private readonly keyring: Keyring;

  constructor(private readonly options: SmsChannelOptions) {
    const { db, config, connection } = options;
    this.metrics = options.metrics ?? new SmsMetrics();
    this.keyring = keyringOf(config);
    this.inbound = new InboundSms({
      db,
      connection,
      prefix: config.redisPrefix,
      keyring: this.keyring,
      defaultLocale: config.locale,
    });
    this.outbound = new Queue<OutboundBatch>(OUTBOUND_SMS_QUEUE, {
      connection: connection(),
      prefix: config.redisPrefix,
    });
    this.moWrites = new Batcher(
      (mos) => storeMos(db, this.keyring, mos, options.link.liveSessions(), config.smsMoPerMinute),
      {
        max: 500,
        waitMs: 0,
        maxInFlight: 1,
        isolateFailures: true,
      },
    );
    this.receiptWrites = new Batcher((receipts) => applyReceipts(db, receipts), {
      max: 500,
      waitMs: 0,
      maxInFlight: 1,
      isolateFailures: true,
    });
  }

  /** Whether the SMPP link is bound (for `/readyz`). */
  get bound(): boolean {
    return this.options.link.bound;
  }

  /** The channel's own queues for the dashboard and the metrics (the outbound one is the relay's, shown already). */
  get queues(): Queue[] {
    return [this.inbound.queue as Queue];
  }

  async start(): Promise<void> {
    const { db, config, connection, link } = this.options;
    link.onDeliver((pdu) => this.deliver(pdu));
    this.inbound.start(this.options.conversation, this.outbound, this.options.moConcurrency);
    const metrics = this.metrics;
    const timed: MtSubmitter = {
      get bound() {
        return link.bound;
      },
      async submit(mt) {
        const end = metrics.submitSeconds.startTimer();
        const sent = await link.submit(mt);
        end();
        return sent;
      },
    };
    this.sender = startMtSender({
      db,
      connection,
      prefix: config.redisPrefix,
      link: timed,
      keyring: this.keyring,
      shortCode: config.shortCode,
      tps: config.smppTps,
      concurrency: this.options.mtConcurrency,
      onSent: (_msisdn, parts) => metrics.mt.inc(parts),
      onThrottled: () => metrics.throttled.inc(),
    });
    const every = this.options.sweepEveryMs ?? 5_000;
    const tick = () => {
      Promise.all([this.inbound.sweep(), requeueStranded(db, this.outbound, STRANDED_SECONDS)])
        .catch((err) => logger.warn({ err }, 'SMS sweep failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, every);
        });
    };
    this.timer = setTimeout(tick, every);
    await link.start();
  }

  /** One PDU from the SMSC; its response goes out when this settles (a rejection asks for a resend). */
  private async deliver(pdu: InboundPdu): Promise<void> {
    if (pdu.receipt) {
      this.metrics.receipts.inc({ state: pdu.receipt.state });
      await this.receiptWrites.submit(pdu.receipt);
      return;
    }
    const stored = await this.moWrites.submit(pdu);
    this.metrics.mo.inc({ outcome: stored.duplicate ? 'duplicate' : 'stored' });
    if (stored.duplicate) return;
    // After the response: the SMSC need not wait for the answer, only for the row.
    const row = stored.stored;
    if (row) setImmediate(() => this.inbound.dispatch(row, this.options.moConcurrency));
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = null;
    if (timer) clearTimeout(timer);
    await this.sender?.close();
    await this.options.link.stop();
    await this.inbound.stop();
    await this.outbound.close();
  }
}

/**
 * The SMS channel's sink for the ledger's notifications: moves them from the outbox (written in the same
 * transaction as the change they report) to the outbound SMS queue. A row is marked relayed only after
 * its job is in Redis, and the job id is `outbox-<id>`, so a relay that dies between the two re-adds a
 * job BullMQ already has: nothing is lost and nothing is sent twice. Several relays may run: rows are
 * claimed with SKIP LOCKED.
 *
 * The ledger writes what to tell (a text key, its parameters, the locale); the relay words it here
 * (`noticeText`). Rows written before that carry their text and go on as they are. A row this version
 * cannot word (a key of a newer one) is logged and left for a relay that can.
 *
 * A sensitive row (a new wallet's initial passwords) goes on sealed (INTERFACES §9): its MT row and its
 * job carry the sealed text, which only the MT sender unseals, and the outbox row keeps the placeholder
 * and no parameters once relayed. `account.open` seals the parameters it writes; a row written with its
 * text in clear (before it sealed) is sealed here.
 */
import { Queue } from 'bullmq';
import { type Db, DrainLoop, type Keyring, logger, type Redis } from '../../lib/index.js';
import { anyWaitingNotices, claimWaitingNotices, markRelayed, type WaitingNotice } from '../../ledger/index.js';
import { OUTBOUND_SMS_QUEUE, type OutboundBatch } from '../../queue/index.js';
import { type MtBatch, queueJobs, recordQueued, SENSITIVE_PLACEHOLDER } from './mt-store.js';
import { noticeText } from './notice-text.js';

export class OutboxRelay extends DrainLoop {
  readonly queue: Queue<OutboundBatch>;

  constructor(
    private readonly db: Db,
    connection: Redis,
    prefix: string,
    private readonly keyring: Keyring,
    pollMs = 250,
    batchSize = 500,
  ) {
    super(batchSize, pollMs, 'outbox relay');
    this.queue = new Queue<OutboundBatch>(OUTBOUND_SMS_QUEUE, { connection, prefix });
  }

  protected override anyWaiting(): Promise<boolean> {
    return anyWaitingNotices(this.db);
  }

  /** Relays everything waiting; returns how many rows went out. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (trx) => {
      const rows = await claimWaitingNotices(trx, this.batchSize);
      if (!rows.length) return 0;
      // The MT record is committed before its job exists (a sender may take the job at once and must find
      // the row); a relay that dies after this stores nothing twice when it runs again. One job per
      // notification, under its outbox id: a relay run again may take its rows in other groups, so only
      // one row's id is stable enough to stop a second send.
      const batches: MtBatch[] = [];
      const ids: bigint[] = [];
      for (const r of rows) {
        const text = this.mtText(r);
        if (text === null) continue;
        ids.push(r.id);
        batches.push({
          id: `outbox-${r.id}`,
          mts: [
            { jobId: `outbox-${r.id}`, msisdn: r.msisdn, text, reason: r.reason, sensitive: r.sensitive },
          ],
        });
      }
      await recordQueued(this.db, batches);
      await queueJobs(this.queue, batches);
      await markRelayed(trx, ids, SENSITIVE_PLACEHOLDER);
      return rows.length;
    });
  }

  /** The text the MT carries (sealed when sensitive), or null for a row this version cannot word. */
  private mtText(r: WaitingNotice): string | null {
    const seal = (text: string) =>
      r.sensitive && !this.keyring.isSealed(text) ? this.keyring.seal(text) : text;
    if (r.text !== null) return seal(r.text);
    try {
      return seal(noticeText(r, this.keyring));
    } catch (err) {
      logger.error(
        { err, outboxId: r.id.toString(), textKey: r.text_key },
        'outbox row cannot be worded; left',
      );
      return null;
    }
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.queue.close();
  }
}

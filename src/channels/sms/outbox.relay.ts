/**
 * The SMS channel's sink for the ledger's notifications: moves them from the outbox (written in the same
 * transaction as the change they report) to the outbound SMS queue. A row is marked relayed only after
 * its job is in Redis, and the job id is `outbox-<id>`, so a relay that dies between the two re-adds a
 * job BullMQ already has: nothing is lost and nothing is sent twice. Several relays may run: rows are claimed with SKIP LOCKED.
 *
 * A sensitive row (a new wallet's initial passwords) goes on sealed (INTERFACES §9): its MT row and its
 * job carry the sealed text, which only the MT sender unseals, and the outbox row keeps the placeholder
 * once relayed. `account.open` seals the text it writes; a row it wrote in clear (before it did) is
 * sealed here.
 */
import { Queue } from 'bullmq';
import type { Db } from '../../lib/db.js';
import type { Keyring } from '../../lib/keyring.js';
import { logger } from '../../lib/logger.js';
import type { Redis } from '../../lib/redis.js';
import { OUTBOUND_SMS_QUEUE, type OutboundBatch } from '../../queue/names.js';
import { queueJobs, recordQueued, SENSITIVE_PLACEHOLDER } from './mt-store.js';

export class OutboxRelay {
  readonly queue: Queue<OutboundBatch>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    connection: Redis,
    prefix: string,
    private readonly keyring: Keyring,
    private readonly pollMs = 250,
    private readonly batchSize = 500,
  ) {
    this.queue = new Queue<OutboundBatch>(OUTBOUND_SMS_QUEUE, { connection, prefix });
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Relay now (called when commands complete), without waiting for the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Relays everything waiting; returns how many rows went out. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (trx) => {
      const rows = (
        await trx.raw(
          `SELECT id, msisdn, text, reason, sensitive FROM outbox WHERE relayed_at IS NULL
            ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
          [this.batchSize],
        )
      ).rows as { id: bigint; msisdn: string; text: string; reason: string; sensitive: boolean }[];
      if (!rows.length) return 0;
      // The MT record is committed before its job exists (a sender may take the job at once and must find
      // the row); a relay that dies after this stores nothing twice when it runs again. One job per
      // notification, under its outbox id: a relay run again may take its rows in other groups, so only
      // one row's id is stable enough to stop a second send.
      const batches = rows.map((r) => ({
        id: `outbox-${r.id}`,
        mts: [
          {
            jobId: `outbox-${r.id}`,
            msisdn: r.msisdn,
            text: r.sensitive && !this.keyring.isSealed(r.text) ? this.keyring.seal(r.text) : r.text,
            reason: r.reason,
            sensitive: r.sensitive,
          },
        ],
      }));
      await recordQueued(this.db, batches);
      await queueJobs(this.queue, batches);
      const ids = rows.map((r) => r.id.toString());
      await trx.raw(
        `UPDATE outbox SET relayed_at = now(), text = CASE WHEN sensitive THEN ? ELSE text END
          WHERE id IN (SELECT unnest(?::bigint[]))`,
        [SENSITIVE_PLACEHOLDER, `{${ids.join(',')}}`],
      );
      return rows.length;
    });
  }

  private async drain(): Promise<void> {
    try {
      while ((await this.relayOnce()) === this.batchSize) {
        /* keep going while full batches come */
      }
    } catch (err) {
      logger.error({ err }, 'outbox relay failed; will retry');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.kick();
      this.schedule();
    }, this.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.queue.close();
  }
}

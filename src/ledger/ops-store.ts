/**
 * The operators' reads and the audit log: `audit_log` rows (written ahead of each operator action, its
 * outcome set once known),
 * the business day's statistics (业务统计), a number's SMS history, and the per-minute figures of the
 * wall screen. Channels are read from the command keys: every channel keys its commands `<channel>:…`
 * (the session runtime's `channel:session:step`, WAP's `wap:msisdn:form`), so a transfer's channel is
 * the first part of the key of the command that made it, and nothing in a command's input (or its
 * idempotency fingerprint) has to change for it.
 */
import { businessDayRange, type Db, pgArray, type Trx } from '../lib/index.js';

export interface AuditEntry {
  operator: string;
  action: string;
  target?: string | null;
  reason?: string | null;
  /** `ok`, or the refusal code the action ended with; `pending` while it runs (written ahead). */
  outcome: string;
  requestId?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditRow extends Required<Omit<AuditEntry, 'detail'>> {
  id: string;
  at: Date;
  detail: Record<string, unknown>;
}

/** The outcome of an audit row written ahead of its action, until the action's outcome is known. */
export const AUDIT_PENDING = 'pending';
/**
 * The outcome of a command whose job failed for good (its retries spent, or it could never run). Still
 * open to the command's real outcome: an operator may retry the job from the dashboard.
 */
export const AUDIT_FAILED = 'failed';

/** Records what already happened (a login, a refused attempt): the row with its outcome. */
export async function recordAudit(trx: Db | Trx, entry: AuditEntry): Promise<void> {
  await beginAudit(trx, entry);
}

/**
 * Writes an operator action's row before the action runs (outcome `pending`, unless given): its id, for
 * `settleAudits`. The row is written first so that no action can happen without its trace.
 */
export async function beginAudit(
  trx: Db | Trx,
  entry: Omit<AuditEntry, 'outcome'> & { outcome?: string },
): Promise<string> {
  const [row] = await trx('audit_log')
    .insert({
      operator: entry.operator,
      action: entry.action,
      target: entry.target ?? null,
      reason: entry.reason ?? null,
      outcome: entry.outcome ?? AUDIT_PENDING,
      request_id: entry.requestId ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .returning(trx.raw('id::text AS id'));
  return (row as { id: string }).id;
}

/** An outcome for a row written ahead; `target` replaces the row's when the action named it only once done. */
export interface AuditSettlement {
  id: string;
  outcome: string;
  target?: string | null;
}

/**
 * Sets the outcomes of rows written ahead, in one statement. Only a row still `pending` (or `failed`, a
 * job an operator may retry) changes: an outcome is set once, and the command's own transaction, which
 * settles it with its effect, wins over any later word.
 */
export async function settleAudits(trx: Db | Trx, settled: readonly AuditSettlement[]): Promise<number> {
  if (!settled.length) return 0;
  const { rowCount } = await trx.raw(
    `UPDATE audit_log a
        SET outcome = v.outcome, target = CASE WHEN v.has_target THEN v.target ELSE a.target END
       FROM unnest(?::bigint[], ?::text[], ?::boolean[], ?::text[]) AS v(id, outcome, has_target, target)
      WHERE a.id = v.id AND a.outcome IN (?, ?)`,
    [
      pgArray(settled.map((s) => s.id)),
      pgArray(settled.map((s) => s.outcome)),
      pgArray(settled.map((s) => s.target !== undefined)),
      pgArray(settled.map((s) => s.target ?? null)),
      AUDIT_PENDING,
      AUDIT_FAILED,
    ],
  );
  return rowCount ?? 0;
}

export interface AuditFilter {
  operator?: string;
  action?: string;
  target?: string;
  from?: Date;
  to?: Date;
  /** Rows with a smaller id only (the next page). */
  before?: bigint;
  limit: number;
}

/** The audit log, newest first. */
export async function auditLog(db: Db, filter: AuditFilter): Promise<AuditRow[]> {
  const q = db('audit_log').orderBy('audit_log.id', 'desc').limit(filter.limit);
  if (filter.operator) q.where('operator', filter.operator);
  if (filter.action) q.where('action', filter.action);
  if (filter.target) q.where('target', filter.target);
  if (filter.from) q.where('at', '>=', filter.from);
  if (filter.to) q.where('at', '<', filter.to);
  if (filter.before !== undefined) q.where('audit_log.id', '<', String(filter.before));
  const rows = await q.select(
    db.raw('id::text AS id'),
    'at',
    'operator',
    'action',
    'target',
    'reason',
    'outcome',
    db.raw('request_id AS "requestId"'),
    'detail',
  );
  return rows as AuditRow[];
}

/** Key prefixes that name a channel; other commands came from the HTTP API or the scheduler. */
const CHANNEL_SQL = `CASE WHEN split_part(t.command_key, ':', 1) IN ('sms', 'ussd', 'ivr', 'stk', 'wap')
    THEN split_part(t.command_key, ':', 1)
  WHEN split_part(t.command_key, ':', 1) IN ('settlement', 'hold-expiry', 'auto-unfreeze', 'day-close')
    THEN 'system'
  ELSE 'api' END`;

export interface DayStats {
  day: string;
  newWallets: number;
  activeUsers: number;
  /** Posted transfers by kind and channel, amounts in fen. */
  transfers: { kind: string; channel: string; count: number; amount: bigint }[];
}

/** The business day's figures (China time): wallets opened, wallets that moved money, transfers. */
export async function dayStats(db: Db, day: string): Promise<DayStats> {
  const { from, to } = businessDayRange(day);
  const opened = await db('users')
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .count('* as n');
  const active = await db.raw(
    `SELECT count(DISTINCT e.account_id)::int AS n FROM entries e JOIN accounts a ON a.id = e.account_id
      WHERE a.kind = 'wallet' AND e.created_at >= ? AND e.created_at < ?`,
    [from, to],
  );
  const { rows } = await db.raw(
    `SELECT t.kind, ${CHANNEL_SQL} AS channel, count(*)::int AS count, sum(t.amount)::text AS amount
       FROM transfers t
      WHERE t.status = 'posted' AND coalesce(t.posted_at, t.created_at) >= ?
        AND coalesce(t.posted_at, t.created_at) < ?
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [from, to],
  );
  return {
    day,
    newWallets: Number(opened[0].n),
    activeUsers: active.rows[0].n,
    transfers: (rows as { kind: string; channel: string; count: number; amount: string }[]).map((r) => ({
      ...r,
      amount: BigInt(r.amount),
    })),
  };
}

export interface SmsLine {
  direction: 'mo' | 'mt';
  id: string;
  text: string;
  status: string;
  sensitive: boolean;
  at: Date;
}

/**
 * A number's SMS, newest first: MOs as stored (sealed until processed, then with PINs masked; a sealed
 * one is not shown) and MTs (a sensitive one's text is withheld: it may carry an initial password).
 */
export async function smsHistory(db: Db, msisdn: string, limit: number): Promise<SmsLine[]> {
  const { rows } = await db.raw(
    `(SELECT 'mo' AS direction, id::text AS id, CASE WHEN status = 'processed' THEN text END AS text,
             status, false AS sensitive, received_at AS at
        FROM sms_mo WHERE msisdn = ? ORDER BY received_at DESC LIMIT ?)
     UNION ALL
     (SELECT 'mt', id::text, CASE WHEN sensitive THEN NULL ELSE text END, status, sensitive, created_at
        FROM sms_mt WHERE msisdn = ? ORDER BY id DESC LIMIT ?)
     ORDER BY at DESC LIMIT ?`,
    [msisdn, limit, msisdn, limit, limit],
  );
  return rows as SmsLine[];
}

export interface MinuteCount {
  minute: Date;
  series: string;
  count: number;
}

/**
 * The wall screen's per-minute counts since `since`: MO and MT SMS, payments by outcome (paid;
 * requests declined or expired), refused commands by refusal code.
 */
export async function wallMinutes(db: Db, since: Date): Promise<MinuteCount[]> {
  const { rows } = await db.raw(
    `SELECT date_trunc('minute', received_at) AS minute, 'sms.mo' AS series, count(*)::int AS count
       FROM sms_mo WHERE received_at >= ? GROUP BY 1
     UNION ALL
     SELECT date_trunc('minute', created_at), 'sms.mt', count(*)::int FROM sms_mt WHERE created_at >= ? GROUP BY 1
     UNION ALL
     SELECT date_trunc('minute', coalesce(posted_at, created_at)),
            'payment.' || CASE WHEN status = 'posted' THEN 'paid' ELSE coalesce(void_reason, status) END,
            count(*)::int
       FROM transfers WHERE kind = 'payment' AND coalesce(posted_at, created_at) >= ? GROUP BY 1, 2
     UNION ALL
     SELECT date_trunc('minute', c.created_at), 'refused.' || (r.result -> 'error' ->> 'code'), count(*)::int
       FROM commands c LEFT JOIN command_batches b ON b.id = c.batch_id,
            LATERAL (SELECT coalesce(c.result, b.results -> c.slot) AS result) r
      WHERE c.created_at >= ? AND (r.result ->> 'ok') = 'false' GROUP BY 1, 2`,
    [since, since, since, since],
  );
  return rows as MinuteCount[];
}

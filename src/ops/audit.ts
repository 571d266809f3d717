/**
 * Writing the audit log from the operator routes: the operator the request was let in as, its request
 * id, and what the route says it did. An action's row is written ahead of it (outcome `pending`): when
 * that write fails the action does not run and the call answers 500, so no action happens without its
 * trace. Its outcome is set once known:
 * - an action on the database from the route itself runs in the same transaction as its row
 *   (`auditedTransaction`): row, effect and outcome commit together or not at all;
 * - a command on the worker carries the row's id with its job, and the command's own transaction sets
 *   the outcome (the runner, `settleAudits`), so a call answered 202 before the command finished still
 *   ends with the command's real outcome, whichever process runs it;
 * - a dashboard job action (Redis, not the database) is settled from its answer before that is sent.
 * What happened without an action (a login, a refused attempt) is recorded with its outcome at once.
 */
import type { Response } from 'express';
import { type AuditEntry, beginAudit, recordAudit, settleAudits } from '../ledger/index.js';
import type { Db, Trx } from '../lib/index.js';
import { operatorOf, requestIdOf } from './operator-session.js';

export type AuditOf = Omit<AuditEntry, 'operator' | 'requestId'>;
/** An action about to run: what it is, on what, why; its outcome is not known yet. */
export type AuditAhead = Omit<AuditOf, 'outcome'>;

const who = (res: Response) => ({ operator: operatorOf(res).name, requestId: requestIdOf(res) });

/** Records something that already happened, with its outcome. */
export async function audit(db: Db, res: Response, entry: AuditOf): Promise<void> {
  await recordAudit(db, { ...entry, ...who(res) });
}

/** Writes an action's row ahead of it (`pending`); its id is what settles it. Throws when it cannot. */
export function auditAhead(db: Db | Trx, res: Response, entry: AuditAhead): Promise<string> {
  return beginAudit(db, { ...entry, ...who(res) });
}

/** Sets the outcome of a row written ahead (only while it is still `pending`). */
export async function settleAudit(
  db: Db | Trx,
  id: string,
  outcome: string,
  target?: string | null,
): Promise<void> {
  await settleAudits(db, [{ id, outcome, ...(target !== undefined ? { target } : {}) }]);
}

/** What an action run by `auditedTransaction` hands back: its value, its outcome, and its target if named only now. */
export interface AuditedOutcome<T> {
  value: T;
  outcome: string;
  target?: string | null;
}

/**
 * Runs an action on the database in one transaction with its audit row: the row first (a failed write
 * runs nothing), then the action, then its outcome. The lot commits together or not at all.
 */
export function auditedTransaction<T>(
  db: Db,
  res: Response,
  entry: AuditAhead,
  action: (trx: Trx) => Promise<AuditedOutcome<T>>,
): Promise<T> {
  return db.transaction(async (trx) => {
    const id = await auditAhead(trx, res, entry);
    const done = await action(trx);
    await settleAudit(trx, id, done.outcome, done.target);
    return done.value;
  });
}

/**
 * Writing the audit log from the operator routes: the operator the request was let in as, its request
 * id, and what the route says it did. Written right after the action (its outcome is known only then);
 * an action whose audit row cannot be written answers 500, so no action goes unrecorded unnoticed.
 */
import type { Response } from 'express';
import { type AuditEntry, recordAudit } from '../ledger/index.js';
import type { Db } from '../lib/index.js';
import { operatorOf, requestIdOf } from './operator-session.js';

export type AuditOf = Omit<AuditEntry, 'operator' | 'requestId'>;

export async function audit(db: Db, res: Response, entry: AuditOf): Promise<void> {
  await recordAudit(db, { ...entry, operator: operatorOf(res).name, requestId: requestIdOf(res) });
}

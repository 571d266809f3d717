/** statement: the wallet's last transactions (明细), newest first, from the entries. Refusals: not_a_user. */
import { hasWalletAccount, RefusalError, refusals, statement as statementLines } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';

export const statement: SingleCommand<'statement'> = {
  kind: 'single',
  readOnly: true,
  async run(trx, input) {
    const msisdn = msisdnOf(input.msisdn);
    if (!(await hasWalletAccount(trx, msisdn))) throw new RefusalError(refusals.notAUser());
    const lines = await statementLines(trx, msisdn, input.limit);
    return {
      msisdn,
      lines: lines.map((l) => ({
        transferId: l.transferId.toString(),
        kind: l.kind,
        amount: l.amount.toString(),
        balanceAfter: l.balanceAfter.toString(),
        counterparty: l.counterparty,
        counterpartyKind: l.counterpartyKind,
        at: l.at.toISOString(),
      })),
    };
  },
};

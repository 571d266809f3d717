/**
 * How a submit fails, in the terms the outbound queue acts on (courier's `SendError`): retry later or
 * not, and whether the SMSC asked us to slow down. The link only reports; the queue retries.
 */
import smpp from 'smpp';
import { SendError } from '../channel.js';

export const ESME_ROK = 0x00;
export const ESME_RINVCMDLEN = 0x02;
export const ESME_RINVCMDID = 0x03;
export const ESME_RINVBNDSTS = 0x04;
export const ESME_RINVSRCADR = 0x0a;
export const ESME_RSYSERR = 0x08;
export const ESME_RMSGQFUL = 0x14;
export const ESME_RTHROTTLED = 0x58;
export const ESME_RX_T_APPN = 0x64;
export const ESME_RX_P_APPN = 0x65;

/** Statuses that mean "not now": the SMSC's queue or rate, its own trouble, or a bind it lost track of. */
const RETRYABLE = new Set([ESME_RMSGQFUL, ESME_RTHROTTLED, ESME_RSYSERR, ESME_RX_T_APPN, ESME_RINVBNDSTS]);
const THROTTLING = new Set([ESME_RMSGQFUL, ESME_RTHROTTLED]);

/**
 * Why a submit failed. `rejected`: the SMSC answered with an error status. `timeout`: no answer within
 * `responseTimeoutMs` (the SMSC may still deliver it). `link_lost`: the connection went while waiting.
 * `not_bound`: no bind to send on. `stopping`: the link is shutting down. `too_long`: the text needs
 * more than 255 parts, or a USSD screen more than one USSD string.
 */
export type SubmitFailureReason =
  | 'rejected'
  | 'timeout'
  | 'link_lost'
  | 'not_bound'
  | 'stopping'
  | 'too_long';

const statusNames = new Map<number, string>(Object.entries(smpp.errors).map(([name, code]) => [code, name]));

/** `ESME_RTHROTTLED (0x58)` for logs and error messages. */
export function statusName(status: number): string {
  const hex = `0x${status.toString(16).padStart(2, '0')}`;
  const name = statusNames.get(status);
  return name ? `${name} (${hex})` : hex;
}

/** The channel seam's `SendError` of a submit_sm: `retryable`, and `throttled` when the SMSC asked us to slow down. */
export class SmppSubmitError extends SendError {
  /** The submit_sm_resp (or generic_nack) status; null when no response came. */
  readonly commandStatus: number | null;
  readonly reason: SubmitFailureReason;
  /**
   * Parts the SMSC had accepted before this failure, with their ids. Not zero means the recipient may
   * get a fragment; a retry resends the whole message (every part, under a new reference).
   */
  readonly partsAccepted: number;
  readonly messageIds: string[];

  constructor(
    reason: SubmitFailureReason,
    options: { commandStatus?: number | null; messageIds?: string[]; detail?: string } = {},
  ) {
    const status = options.commandStatus ?? null;
    const accepted = options.messageIds ?? [];
    const what = status === null ? reason : `${reason}: ${statusName(status)}`;
    const retryable =
      reason === 'too_long'
        ? false
        : reason !== 'rejected' || accepted.length > 0 || RETRYABLE.has(status ?? -1);
    const throttled = status !== null && THROTTLING.has(status);
    super(`submit_sm failed (${what})${options.detail ? `: ${options.detail}` : ''}`, retryable, throttled, {
      code: `submit_${reason}`,
    });
    this.name = 'SmppSubmitError';
    this.reason = reason;
    this.commandStatus = status;
    this.messageIds = accepted;
    this.partsAccepted = accepted.length;
  }

  /** The same failure, reported for a whole message of which `messageIds` parts were accepted. */
  withAccepted(messageIds: string[]): SmppSubmitError {
    if (!messageIds.length) return this;
    return new SmppSubmitError(this.reason, { commandStatus: this.commandStatus, messageIds });
  }
}

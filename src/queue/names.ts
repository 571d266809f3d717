/** Queue names. Command queues are partitioned by the paying account; the rest are single queues. */
export const commandQueueName = (partition: number) => `commands-${partition}`;
export const OUTBOUND_SMS_QUEUE = 'sms-outbound';
export const MAINTENANCE_QUEUE = 'maintenance';

/** Job data of an outbound SMS: written by the outbox relay, sent by the SMPP sender. */
export interface OutboundSms {
  outboxId: string;
  msisdn: string;
  text: string;
  reason: string;
}

/** 32-bit FNV-1a: a stable, well-spread hash to pick a partition (Blnk does the same). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

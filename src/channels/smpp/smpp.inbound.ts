/**
 * A deliver_sm / data_sm, parsed raw by smpp.wire, turned into what the MO handler receives: addresses,
 * decoded text, concatenation header and, for a delivery receipt, what it reports.
 */
import {
  concatInfo,
  type DecodeOptions,
  decodeShortMessage,
  type MessagePdu,
  parseDeliveryReceipt,
} from './smpp.codec.js';
import type { InboundPdu } from './smpp.types.js';
import type { Pdu } from './smpp.wire.js';

const hex = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : '');

export function toInbound(pdu: Pdu, options: DecodeOptions = {}): Omit<InboundPdu, 'session'> {
  const message = pdu as unknown as MessagePdu;
  const raw: InboundPdu['raw'] = {
    shortMessage: hex(pdu.short_message),
    sequenceNumber: pdu.sequence_number,
  };
  if (pdu.message_payload instanceof Uint8Array) raw.messagePayload = hex(pdu.message_payload);
  return {
    command: pdu.command as InboundPdu['command'],
    source: String(pdu.source_addr ?? ''),
    sourceTon: Number(pdu.source_addr_ton ?? 0),
    destination: String(pdu.destination_addr ?? ''),
    esmClass: Number(pdu.esm_class ?? 0),
    dataCoding: Number(pdu.data_coding ?? 0),
    text: decodeShortMessage(message, options),
    udh: concatInfo(message),
    receipt: parseDeliveryReceipt(message, options),
    raw,
  };
}

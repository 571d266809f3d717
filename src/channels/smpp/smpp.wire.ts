/**
 * SMPP framing for the ESME link: cuts the TCP stream into PDUs and parses each with the `smpp` package's
 * tables, but without its decode filter, so `short_message` and `message_payload` stay raw octets for
 * our codec (the filter decodes with its own, lossy guesses).
 *
 * Why not the package's `Session`: its reader throws on a bad `command_length` and then never reads
 * again (its `_busy` flag stays set), and it parses truncated bodies silently. Here a malformed PDU
 * becomes a `malformed` frame the link answers with `generic_nack`, and reading goes on.
 */
import smpp from 'smpp';

export type Pdu = smpp.PDU;

export const HEADER_LENGTH = 16;

/** What the reader made of the next PDU on the stream. */
export type Frame =
  | { kind: 'pdu'; pdu: Pdu }
  /** The command id is not one SMPP 3.4 defines (answer ESME_RINVCMDID unless it is a response). */
  | { kind: 'unknown'; commandId: number; sequenceNumber: number }
  /** The length is impossible or the body does not fit it (answer ESME_RINVCMDLEN). */
  | { kind: 'malformed'; commandId: number; sequenceNumber: number; reason: string };

// A PDU object whose decode filter does nothing: the package's parser, minus its text guessing.
const rawPrototype = Object.create(smpp.PDU.prototype, {
  _filter: { value: () => undefined },
}) as Pdu;

/** Parses one complete PDU (header included) without touching its message octets. */
export function parsePdu(frame: Buffer): Frame {
  const commandId = frame.readUInt32BE(4);
  const sequenceNumber = frame.readUInt32BE(12);
  const def = smpp.commandsById[commandId];
  if (!def) return { kind: 'unknown', commandId, sequenceNumber };
  const problem = checkLayout(frame, def);
  if (problem) return { kind: 'malformed', commandId, sequenceNumber, reason: problem };
  const pdu = Object.create(rawPrototype) as Pdu;
  try {
    pdu.fromBuffer(frame);
  } catch (err) {
    return { kind: 'malformed', commandId, sequenceNumber, reason: String(err) };
  }
  return { kind: 'pdu', pdu };
}

/**
 * Checks that a request's mandatory parameters and every TLV fit inside `command_length` (the package
 * would read past them into zeros or truncate). Responses may stop early: an error response often has no
 * body at all.
 */
function checkLayout(frame: Buffer, def: smpp.CommandDef): string | null {
  const length = frame.length;
  const isResponse = (def.id & 0x80000000) !== 0;
  let at = HEADER_LENGTH;
  const params = def.params ?? {};
  for (const [name, param] of Object.entries(params)) {
    if (at >= length) {
      if (isResponse) return null;
      return `ends before ${name}`;
    }
    const end = paramEnd(frame, at, param.type);
    if (end === null || end > length) return `${name} overruns the PDU`;
    at = end;
  }
  while (at < length) {
    if (at + 4 > length) return 'trailing octets after the parameters';
    const tlvEnd = at + 4 + frame.readUInt16BE(at + 2);
    if (tlvEnd > length) return `TLV 0x${frame.readUInt16BE(at).toString(16)} overruns the PDU`;
    at = tlvEnd;
  }
  return null;
}

/** Offset after a mandatory parameter starting at `at`, or null when it cannot end inside the frame. */
function paramEnd(frame: Buffer, at: number, type: smpp.ParamType): number | null {
  if (type === smpp.types.cstring) {
    const nul = frame.indexOf(0, at);
    return nul < 0 ? null : nul + 1;
  }
  if (type === smpp.types.buffer) return at + 1 + frame[at];
  // Fixed-size and array types: the package's own size of what it reads.
  try {
    return at + type.size(type.read(frame, at));
  } catch {
    return null;
  }
}

/**
 * Accumulates stream chunks and yields frames. A `command_length` below 16 or above `maxLength` loses the
 * stream's framing: the reader reports it once, drops what it holds and starts again at the next chunk
 * (best effort: a peer that sends such a PDU usually writes each PDU in one go).
 */
export class PduReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxLength = smpp.PDU.maxLength) {}

  /** The frames completed by `chunk`, in stream order. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let buf = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (buf.length >= 4) {
      const length = buf.readUInt32BE(0);
      if (length < HEADER_LENGTH || length > this.maxLength) {
        const commandId = buf.length >= 8 ? buf.readUInt32BE(4) : 0;
        const sequenceNumber = buf.length >= 16 ? buf.readUInt32BE(12) : 0;
        frames.push({ kind: 'malformed', commandId, sequenceNumber, reason: `command_length ${length}` });
        buf = Buffer.alloc(0);
        break;
      }
      if (buf.length < length) break;
      frames.push(parsePdu(buf.subarray(0, length)));
      buf = buf.subarray(length);
    }
    // A partial PDU is copied so that it does not pin the whole chunk it came in.
    this.buffered = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    return frames;
  }

  reset(): void {
    this.buffered = Buffer.alloc(0);
  }
}

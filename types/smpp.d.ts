/**
 * The parts of the `smpp` package (0.5.1, untyped CommonJS) this project uses: the PDU codec, the
 * session (server side only: the ESME link frames its socket itself) and the protocol tables.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  namespace smpp {
    /** A received `short_message` / `message_payload` after the package's decode filter. */
    interface DecodedMessage {
      message: string | Buffer;
      /** The UDH's information elements, each `[iei, length, ...data]`. */
      udh?: Buffer[];
    }

    /** A PDU: header fields plus whatever mandatory parameters and TLVs its command carries. */
    class PDU {
      constructor(command: string, options?: Record<string, unknown>);
      constructor(buffer: Buffer);
      command: string;
      command_length: number;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      response(options?: Record<string, unknown>): PDU;
      toBuffer(): Buffer;
      fromBuffer(buffer: Buffer): void;
      /** Largest `command_length` the package parses; longer PDUs make it throw. 16384. */
      static maxLength: number;
    }

    class Session extends EventEmitter {
      socket: Socket;
      server?: Server;
      send(pdu: PDU, onResponse?: (response: PDU) => void, onSent?: (pdu: PDU) => void): boolean;
      pause(): void;
      resume(): void;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
    }

    class Server extends NetServer {
      sessions: Session[];
    }

    interface ParamType {
      read(buffer: Buffer, offset: number, length?: number): unknown;
      size(value: unknown): number;
    }

    interface CommandDef {
      id: number;
      command: string;
      params?: Record<string, { type: ParamType; default?: unknown }>;
    }

    interface TlvDef {
      id: number;
      tag: string;
      type: ParamType;
      multiple?: boolean;
    }

    function createServer(options?: Record<string, unknown>, listener?: (session: Session) => void): Server;

    const commands: Record<string, CommandDef>;
    const commandsById: Record<number, CommandDef>;
    const tlvs: Record<string, TlvDef>;
    const tlvsById: Record<number, TlvDef>;
    /** Parameter types by name (`int8`, `cstring`, `buffer`…), the objects `CommandDef.params` point at. */
    const types: Record<string, ParamType>;
    /** `ESME_*` command statuses by name. */
    const errors: Record<string, number>;
  }

  export = smpp;
}

/**
 * The types of the SMPP link's surface: its options, what the MO and USSD handlers receive, what a submit
 * takes and gives, and the endpoint shape one bind and a pool of binds share.
 */
import type { ConcatInfo, DefaultAlphabet, DeliveryReceipt, DeliveryState } from './smpp.codec.js';
import type { SmppLogger } from './smpp.connection.js';

export type { SmppLogger } from './smpp.connection.js';

/** Small callbacks for metrics (prom-client or anything else); every one optional. */
export interface SmppMetricsHooks {
  /** The bind named `link` went up or down. */
  bindState?(up: boolean, link: string): void;
  /** An MO (not a receipt) reached the handler. */
  moCount?(): void;
  /** A message was accepted by the SMSC, in `parts` submit_sm. */
  mtCount?(parts: number): void;
  /** One submit_sm to its submit_sm_resp, whatever the status. */
  submitLatencyMs?(ms: number): void;
  /** The SMSC answered a submit with ESME_RTHROTTLED or ESME_RMSGQFUL. */
  throttled?(): void;
  /** A delivery receipt reached the handler. */
  dlr?(state: DeliveryState): void;
}

export interface SmppLinkOptions {
  /** `smpp://system_id:password@host:port` (port 2775 when left out). */
  url: string;
  /** `system_type` in the bind. Default ''. */
  systemType?: string;
  /** Submit PDUs outstanding at most on this bind; further callers wait in FIFO order. Default 10. */
  windowSize?: number;
  /** Deadline of every request's response (submit_sm, enquire_link). Default 60 000 ms. */
  responseTimeoutMs?: number;
  /** enquire_link after this long without a PDU from the SMSC. Default 30 000 ms. */
  enquireLinkMs?: number;
  /**
   * Backoff between connection attempts: doubles from `initialMs` up to `maxMs`, each delay jittered to
   * 50-100 % of that. Defaults 500 and 30 000 ms.
   */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** TCP connect plus bind_transceiver_resp must take less than this. Default 10 000 ms. */
  bindTimeoutMs?: number;
  /** How long stop() waits for outstanding submits and handlers, then for unbind_resp. Default 5 000 ms. */
  stopTimeoutMs?: number;
  /**
   * TON/NPI of submits. The source is our short code: TON 3 (network specific), NPI 0 by default, as SMPP
   * means short codes; an alphanumeric source goes out as TON 5 NPI 0 and a `+` number as TON 1 NPI 1
   * whatever is set here. The destination is international (TON 1, NPI 1), digits without '+'.
   */
  addressing?: { sourceTon?: number; sourceNpi?: number; destTon?: number; destNpi?: number };
  /** Which MTs go out with data_coding 0 (see the codec's EncodeMtOptions). Default `ascii`. */
  sevenBit?: 'ascii' | 'gsm';
  /** What data_coding 0 means at this SMSC. Default `gsm`. */
  defaultAlphabet?: DefaultAlphabet;
  /** Name in logs and metrics. Default `host:port`. */
  name?: string;
  logger?: SmppLogger;
  metrics?: SmppMetricsHooks;
}

/** An MO or a delivery receipt as the handler receives it. */
export interface InboundPdu {
  command: 'deliver_sm' | 'data_sm';
  /** The sender's address as the SMSC wrote it (normalize it; it may lack or carry a country code). */
  source: string;
  sourceTon: number;
  destination: string;
  esmClass: number;
  dataCoding: number;
  /** The decoded text of this PDU (one part of a concatenated message; a receipt's own text). */
  text: string;
  /** This part's concatenation header; the handler reassembles. */
  udh: ConcatInfo | null;
  /** Set exactly when esm_class marks a delivery receipt: never treat such a PDU as a command. */
  receipt: DeliveryReceipt | null;
  /** The deliver_sm's `service_type` ('' when none). */
  serviceType: string;
  /**
   * Set when the PDU is USSD (service_type `USSD`, or a `ussd_service_op` TLV): such a PDU goes to the
   * `onUssd` handler, never to `onDeliver`.
   */
  ussd: UssdTlvs | null;
  /**
   * The bind connection it came on. An SMSC resends a PDU only when it never got our response, which in
   * practice means on a later connection: a copy on the same live connection is the user repeating.
   */
  session: string;
  raw: {
    /** short_message octets, UDH included, as hex. */
    shortMessage: string;
    /** message_payload octets as hex, when the SMSC used it. */
    messagePayload?: string;
    sequenceNumber: number;
  };
}

/** The USSD TLVs of a deliver_sm as the `smpp` package reads them. */
export interface UssdTlvs {
  /** `ussd_service_op` (0x0501), one octet; null when absent. */
  serviceOp: number | null;
  /** `its_session_info` (0x1383), two octets as sent; null when absent. */
  sessionInfo: Buffer | null;
}

/** A USSD deliver_sm / data_sm as the `onUssd` handler receives it. */
export interface InboundUssd extends InboundPdu {
  ussd: UssdTlvs;
  /**
   * Settles once the link has answered this PDU: with the status it wrote, or null when the connection
   * was gone by then (the SMSC will resend it). Send the screen only after a 0 here: a USSD centre may
   * drop a submit_sm for a dialog whose deliver_sm it still waits on.
   */
  responded: Promise<number | null>;
}

/**
 * Called for each USSD deliver_sm / data_sm; its response waits for the promise as for
 * {@link DeliverHandler}.
 */
export type UssdDeliverHandler = (pdu: InboundUssd) => Promise<unknown>;

/**
 * Called for each deliver_sm / data_sm; its response waits for the promise: resolved with a number, that
 * status; resolved with anything else, 0; rejected, ESME_RX_T_APPN (the SMSC redelivers later).
 */
export type DeliverHandler = (pdu: InboundPdu) => Promise<unknown>;

export interface SubmitMt {
  /** Our short code (or an alphanumeric sender). */
  source: string;
  /** The recipient's MSISDN: `8613800138000`, `+86…` or a national `138…` number. */
  destination: string;
  text: string;
  /** Ask for delivery receipts (registered_delivery 1). Default true. */
  registeredDelivery?: boolean;
}

/** One USSD screen to a user: one submit_sm, never split, no delivery receipt asked for. */
export interface SubmitUssd {
  /** The user's MSISDN, as for {@link SubmitMt}. */
  destination: string;
  /** The screen: at most one USSD string (182 GSM septets or 80 UCS2 characters). */
  text: string;
  /** `ussd_service_op` (2 USSR request, 17 PSSR response in the common mapping). */
  op: number;
  /** `its_session_info` to send: the dialog's, end bit set as the caller decided. */
  sessionInfo: Buffer;
  /** source_addr: the service code the user dialled (TON 0, NPI 0). Default ''. */
  source?: string;
  /** service_type. Default `USSD`. */
  serviceType?: string;
  /**
   * The bind connection (InboundPdu.session) to answer on while it is up: a pool then keeps a dialog on
   * the bind it came in on. Otherwise any bound link.
   */
  session?: string;
}

/** A USSD screen the SMSC accepted. */
export interface UssdSubmitted {
  messageId: string;
  /**
   * The bind connection it went on. Accepted on the connection the dialog's deliver_sm came in on means
   * that deliver_sm's response arrived too (it was written first, on the same stream).
   */
  session: string;
}

export interface SubmitResult {
  /** The SMSC's ids, one per part, in part order. */
  messageIds: string[];
  parts: number;
}

/** What the SMS channel needs of one bind or a pool of them. */
export interface SmppEndpoint {
  readonly bound: boolean;
  /** Resolves after the first bind attempt, bound or not; retries go on in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
  whenBound(timeoutMs?: number): Promise<void>;
  onDeliver(handler: DeliverHandler): void;
  submit(mt: SubmitMt): Promise<SubmitResult>;
  /** Registers the handler of USSD PDUs; without one they are refused (see SmppLink.onUssd). */
  onUssd(handler: UssdDeliverHandler): void;
  /** Sends one USSD screen; resolves with the SMSC's message id. Throws SmppSubmitError. */
  submitUssd(screen: SubmitUssd): Promise<UssdSubmitted>;
  /** The bind connections up now in this process (the `session` of the PDUs they deliver). */
  liveSessions(): string[];
}

/** `waiting`: between connection attempts. */
export type LinkState = 'idle' | 'connecting' | 'bound' | 'waiting' | 'stopping' | 'stopped';

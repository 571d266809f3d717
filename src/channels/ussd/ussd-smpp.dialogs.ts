/**
 * USSD dialogs over SMPP (INTERFACES §4 "USSD over SMPP"): each USSD deliver_sm becomes one step for a
 * {@link UssdStepHandler} (the gateway's session runtime; this class knows no menu), and the screen it
 * returns goes back to the user as a submit_sm whose op and session bit the ops table gives.
 *
 * Order and acknowledgement:
 * - A dialog is (MSISDN, its_session_info without its end bit). Its PDUs are handled one at a time in
 *   arrival order; different dialogs run side by side.
 * - A PDU's deliver_sm_resp waits for the handler: resolved, status 0 and then the screen (a USSD centre
 *   may drop a screen for a dialog whose deliver_sm it still waits on); rejected, ESME_RX_T_APPN, and the
 *   SMSC's redelivery runs the handler again under the same `requestKey`.
 *
 * Resends: an SMSC resends a deliver_sm whose response it never got, which in practice means on a later
 * bind connection (as for SMS, mo-store.ts). A PDU is taken for such a resend when it repeats the
 * dialog's latest PDU (same kind and text), that one came on another connection which is down now, and
 * its screen was not accepted on that connection (which would prove the response arrived: it was written
 * first, on the same stream). A resend never reaches the handler: the screen made for the first copy goes
 * out again. The handler can still tell steps apart by `requestKey`, `<dialog>:<n>` with n counting the
 * dialog's steps from 1, kept by a resend and by a redelivery after a rejection: command keys derived
 * from it run nothing twice. What this cannot see, its memory being the process's: a resend reaching
 * another gateway process, or this one after a restart. That arrives as a step of a dialog it does not
 * know (a fresh `dialog`, `requestKey` n = 1) and the handler answers it as any stale dialog.
 */
import { randomBytes } from 'node:crypto';
import { normalizeMsisdn } from '../../lib/index.js';
import { ESME_RX_P_APPN, type InboundUssd, type SmppEndpoint, type SmppLogger } from '../smpp/index.js';
import { decodeUssd, encodeUssd, type UssdKind, type UssdPdu, type UssdScreen } from './ussd-smpp.ops.js';

/** One USSD PDU as the step handler sees it. */
export interface UssdStep {
  /** The user: `86…` for a Chinese mobile, otherwise the address as the SMSC wrote it. */
  msisdn: string;
  /**
   * The dialog: unique per (MSISDN, its_session_info) and per dial, since USSD centres reuse session
   * numbers (a `begin` always opens a new one). `<msisdn>:<its_session_info hex>:<8 hex digits>`.
   */
  dialog: string;
  /** `begin`: dialled; `continue`: answered a screen; `end`: the user or the network ended the dialog. */
  kind: UssdKind;
  /** The dialled string (`*1065#`), the user's answer, or whatever came with an `end` (usually ''). */
  text: string;
  /** The bind connection the PDU came on (InboundPdu.session). */
  session: string;
  /** `<dialog>:<n>`, n the step's place in the dialog from 1; the same for a resend or a redelivery. */
  requestKey: string;
}

/**
 * Answers one step: the screen to show (`final` for an END), or null when there is nothing to send (it
 * must be null for `end`: the dialog is over; a screen returned then is dropped). A rejection makes the
 * SMSC redeliver the PDU.
 */
export type UssdStepHandler = (step: UssdStep) => Promise<UssdScreen | null>;

export interface UssdSmppDialogsOptions {
  endpoint: Pick<SmppEndpoint, 'onUssd' | 'submitUssd' | 'liveSessions'>;
  handler: UssdStepHandler;
  /** source_addr of the screens when the deliver_sm named no destination. Default `*1065#`. */
  serviceCode?: string;
  /**
   * How long a dialog is remembered after its last PDU, to know its resends. Default 180 000 ms: USSD
   * centres end a dialog after about that long.
   */
  forgetAfterMs?: number;
  /** Never given the users' texts: they may hold PINs. */
  logger?: SmppLogger;
}

/** The latest PDU of a dialog and what it was answered with. */
interface LastStep {
  kind: UssdKind;
  text: string;
  session: string;
  screen: UssdScreen | null;
  /** Its screen was accepted on the connection the PDU came on: the SMSC had our response. */
  confirmed: boolean;
}

interface Dialog {
  id: string;
  steps: number;
  closed: boolean;
  last: LastStep | null;
  touched: number;
}

const quiet: SmppLogger = { debug() {}, info() {}, warn() {}, error() {} };
const SWEEP_EVERY_MS = 10_000;

export class UssdSmppDialogs {
  private readonly dialogs = new Map<string, Dialog>();
  /** The tail of each dialog's queue of PDUs. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Steps and screens under way, for `drained()`. */
  private readonly work = new Set<Promise<void>>();
  private readonly log: SmppLogger;
  private readonly forgetAfterMs: number;
  private lastSweep = Date.now();

  constructor(private readonly options: UssdSmppDialogsOptions) {
    this.log = options.logger ?? quiet;
    this.forgetAfterMs = options.forgetAfterMs ?? 180_000;
  }

  /** Takes the endpoint's USSD PDUs (the SMS channel keeps its `onDeliver`). */
  start(): void {
    this.options.endpoint.onUssd((pdu) => this.receive(pdu));
  }

  /** Dialogs remembered now (open, or ended less than `forgetAfterMs` ago). */
  get remembered(): number {
    return this.dialogs.size;
  }

  /** Resolves once no step runs, none waits and every screen due is answered by the SMSC or failed. */
  async drained(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private receive(pdu: InboundUssd): Promise<number | undefined> {
    const decoded = decodeUssd(pdu);
    if (!decoded) {
      // Not something the ops table maps: redelivering it would not change that.
      this.log.warn(
        { op: pdu.ussd.serviceOp, sessionInfo: pdu.ussd.sessionInfo?.toString('hex') ?? null },
        'ussd: a USSD deliver_sm this gateway cannot read; ESME_RX_P_APPN',
      );
      return Promise.resolve(ESME_RX_P_APPN);
    }
    this.sweep();
    const msisdn = normalizeMsisdn(pdu.source) ?? pdu.source;
    const key = `${msisdn}:${decoded.dialog}`;
    const run = (this.queues.get(key) ?? Promise.resolve()).then(() => this.step(key, msisdn, decoded, pdu));
    const tail = run.then(
      () => {},
      () => {},
    );
    this.queues.set(key, tail);
    this.track(
      tail.then(() => {
        if (this.queues.get(key) === tail) this.queues.delete(key);
      }),
    );
    return run.then(() => undefined);
  }

  private async step(key: string, msisdn: string, pdu: UssdPdu, inbound: InboundUssd): Promise<void> {
    const known = this.dialogs.get(key);
    if (known?.last && this.isResend(known.last, pdu, inbound.session)) {
      this.log.info(
        { dialog: known.id, kind: pdu.kind },
        'ussd: a resend of the last PDU; its screen again, the handler not called',
      );
      known.last.session = inbound.session;
      known.touched = Date.now();
      this.sendAfterResponse(inbound, known, known.last);
      return;
    }
    const dialog: Dialog =
      known && !known.closed && pdu.kind !== 'begin'
        ? known
        : { id: `${key}:${randomBytes(4).toString('hex')}`, steps: 0, closed: false, last: null, touched: 0 };
    const n = dialog.steps + 1;
    const answer = await this.options.handler({
      msisdn,
      dialog: dialog.id,
      kind: pdu.kind,
      text: pdu.text,
      session: inbound.session,
      requestKey: `${dialog.id}:${n}`,
    });
    // Recorded only now: after a rejection the redelivery finds the dialog as it was.
    if (pdu.kind === 'end' && answer)
      this.log.warn({ dialog: dialog.id }, 'ussd: a screen for an ended dialog');
    const screen = pdu.kind === 'end' ? null : answer;
    dialog.steps = n;
    dialog.closed = pdu.kind === 'end' || screen?.final === true;
    dialog.last = { kind: pdu.kind, text: pdu.text, session: inbound.session, screen, confirmed: false };
    dialog.touched = Date.now();
    this.dialogs.set(key, dialog);
    this.sendAfterResponse(inbound, dialog, dialog.last);
  }

  private isResend(last: LastStep, pdu: UssdPdu, session: string): boolean {
    return (
      last.kind === pdu.kind &&
      last.text === pdu.text &&
      last.session !== session &&
      !last.confirmed &&
      !this.options.endpoint.liveSessions().includes(last.session)
    );
  }

  /** Submits the step's screen once its deliver_sm_resp went out with status 0. */
  private sendAfterResponse(inbound: InboundUssd, dialog: Dialog, last: LastStep): void {
    const screen = last.screen;
    if (!screen) return;
    this.track(
      inbound.responded.then(async (status) => {
        // null: the connection went first, the SMSC resends and the resend gets the screen.
        if (status !== 0) return;
        try {
          const sent = await this.options.endpoint.submitUssd({
            destination: inbound.source,
            source: inbound.destination || (this.options.serviceCode ?? '*1065#'),
            session: inbound.session,
            ...encodeUssd(screen, inbound.ussd.sessionInfo as Buffer),
          });
          if (sent.session === last.session && dialog.last === last) last.confirmed = true;
        } catch (err) {
          this.log.warn({ dialog: dialog.id, err: (err as Error).message }, 'ussd: screen not sent');
        }
      }),
    );
  }

  private track(work: Promise<void>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }

  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < Math.min(SWEEP_EVERY_MS, this.forgetAfterMs)) return;
    this.lastSweep = now;
    for (const [key, dialog] of this.dialogs) {
      if (now - dialog.touched > this.forgetAfterMs && !this.queues.has(key)) this.dialogs.delete(key);
    }
  }
}

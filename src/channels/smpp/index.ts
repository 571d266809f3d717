/** The SMPP channel's public face: the ESME link (one bind or a pool), its codec and the SMSC simulator. */
export * from './smpp.codec.js';
export {
  ESME_RINVSRCADR,
  ESME_RMSGQFUL,
  ESME_RTHROTTLED,
  ESME_RX_P_APPN,
  ESME_RX_T_APPN,
  SmppSubmitError,
  type SubmitFailureReason,
  statusName,
} from './smpp.errors.js';
export {
  type DeliverHandler,
  type InboundPdu,
  type InboundUssd,
  type LinkState,
  type SmppEndpoint,
  SmppLink,
  type SmppLinkOptions,
  type SmppLogger,
  type SmppMetricsHooks,
  type SubmitMt,
  type SubmitResult,
  type SubmitUssd,
  type UssdDeliverHandler,
  type UssdSubmitted,
  type UssdTlvs,
} from './smpp.link.js';
export { createSmppEndpoint, SmppPool, type SmppPoolOptions } from './smpp.pool.js';
export {
  gatewayCodec,
  type MessageOctets,
  type SmscCodec,
  SmscSimulator,
  type SmscSimulatorOptions,
} from './smsc-simulator.js';

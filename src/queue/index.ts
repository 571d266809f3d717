/** The queue's door: the command bus, its workers and maintenance jobs, and the queue names and job types. */
export { CommandBus, type CommandWaitMetrics, type WaitOutcome } from './command-bus.js';
export { startCommandWorkers } from './command.worker.js';
export { closeDay, DAY_CLOSE_PATTERN, DAY_CLOSE_TZ, previousBusinessDay, startDayClose } from './day-close.js';
export { startMaintenance } from './maintenance.js';
export {
  CallbackRelay,
  type CallbackRetry,
  callbackSignature,
  nextCallbackDelay,
  startCallbackWorker,
} from './merchant-callbacks.js';
export {
  DAY_CLOSE_QUEUE,
  INBOUND_SMS_QUEUE,
  MERCHANT_CALLBACK_QUEUE,
  MAX_MTS_PER_JOB,
  OUTBOUND_SMS_QUEUE,
  type OutboundBatch,
  type OutboundSms,
  outboundJobOptions,
} from './names.js';

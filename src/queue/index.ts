/** The queue's door: the command bus, its workers and maintenance jobs, and the queue names and job types. */
export { CommandBus } from './command-bus.js';
export { startCommandWorkers } from './command.worker.js';
export { startMaintenance } from './maintenance.js';
export {
  INBOUND_SMS_QUEUE,
  MAX_MTS_PER_JOB,
  OUTBOUND_SMS_QUEUE,
  type OutboundBatch,
  type OutboundSms,
  outboundJobOptions,
} from './names.js';

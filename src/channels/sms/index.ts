/**
 * The SMS channel's public face: its adapter on the seam, the channel, how a process starts it, and the
 * outbox relay that turns the ledger's notices into MTs.
 */
export { OutboxRelay } from './outbox.relay.js';
export { smsChannel } from './sms.adapter.js';
export { SmsChannel, type SmsLink } from './sms.channel.js';
export { SmsMetrics } from './sms.metrics.js';
export { type SmsDeps, type StartSmsOptions, smppEndpointOf, startSmsChannel } from './sms.start.js';

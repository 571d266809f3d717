/** The SMS channel's public face: its adapter on the seam, the channel, and how a process starts it. */
export { smsChannel } from './sms.adapter.js';
export { SmsChannel, type SmsLink } from './sms.channel.js';
export { SmsMetrics } from './sms.metrics.js';
export { type SmsDeps, type StartSmsOptions, smppEndpointOf, startSmsChannel } from './sms.start.js';

/**
 * Prometheus metrics of the SMS channel: bind state, MO and MT counts, submit latency, throttling and
 * delivery-receipt outcomes. Created unregistered; the app puts them on its own registry.
 */
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

export class SmsMetrics {
  readonly bound = new Gauge({
    name: 'fen_smpp_bound',
    help: 'SMPP binds up (1) or down (0)',
    labelNames: ['bind'],
    registers: [],
  });
  readonly mo = new Counter({
    name: 'fen_sms_mo_total',
    help: 'MO messages received, by outcome',
    labelNames: ['outcome'],
    registers: [],
  });
  readonly mt = new Counter({
    name: 'fen_sms_mt_parts_total',
    help: 'MT parts accepted by the SMSC',
    registers: [],
  });
  readonly submitSeconds = new Histogram({
    name: 'fen_smpp_submit_seconds',
    help: 'submit_sm to submit_sm_resp, seconds (all parts of a message)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [],
  });
  readonly throttled = new Counter({
    name: 'fen_smpp_throttled_total',
    help: 'Submits the SMSC throttled',
    registers: [],
  });
  readonly receipts = new Counter({
    name: 'fen_sms_dlr_total',
    help: 'Delivery receipts by state',
    labelNames: ['state'],
    registers: [],
  });

  register(registry: Registry): void {
    const all: Metric<string>[] = [
      this.bound,
      this.mo,
      this.mt,
      this.submitSeconds,
      this.throttled,
      this.receipts,
    ];
    for (const metric of all) registry.registerMetric(metric);
  }
}

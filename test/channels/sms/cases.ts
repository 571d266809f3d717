/**
 * The SMS channel's case table for the conformance suite: MOs as the SMPP link hands them over, the
 * submit failures the link reports, and an MO answered twice (its worker died after the answer).
 */
import { randomUUID } from 'node:crypto';
import type { InboundPdu } from '../../../src/channels/smpp/index.js';
import { ESME_RTHROTTLED, SmppSubmitError } from '../../../src/channels/smpp/index.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { createSmsConversation } from '../../../src/sessions/index.js';
import { type StoredMo, storeMo } from '../../../src/channels/sms/mo-store.js';
import { newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { startSmsRig, stopSmsRig } from '../../helpers/sms-rig.js';
import type { ConformanceCases } from '../conformance.js';

const mo = (source: string, text: string, extra: Partial<InboundPdu> = {}): InboundPdu => ({
  command: 'deliver_sm',
  source,
  sourceTon: 1,
  destination: '10658888',
  esmClass: 0,
  dataCoding: 0,
  text,
  udh: null,
  receipt: null,
  serviceType: '',
  ussd: null,
  session: 's1',
  raw: { shortMessage: '', sequenceNumber: 1 },
  ...extra,
});

export const conformance: ConformanceCases<InboundPdu> = {
  inbound: [
    {
      name: 'a keyword from an international number',
      raw: mo('8613800138000', 'YE'),
      expect: { msisdn: '8613800138000', sessionId: '8613800138000', input: { type: 'TEXT', text: 'YE' } },
    },
    {
      name: 'a PIN from a national number',
      raw: mo('13800138000', '246813'),
      expect: {
        msisdn: '8613800138000',
        sessionId: '8613800138000',
        input: { type: 'TEXT', text: '246813' },
      },
    },
    {
      name: 'a sender that is no mobile number',
      raw: mo('10086', 'YE'),
      expect: { rejected: '10086 is not a mobile number', status: 0x0a },
    },
    {
      name: 'a delivery receipt',
      raw: mo('8613800138000', 'id:1 stat:DELIVRD', {
        esmClass: 4,
        receipt: { messageId: '1', state: 'delivered' } as InboundPdu['receipt'],
      }),
      expect: { rejected: 'a delivery receipt is not a message from a user', status: 0 },
    },
  ],
  sendErrors: [
    {
      name: 'ESME_RTHROTTLED',
      error: new SmppSubmitError('rejected', { commandStatus: ESME_RTHROTTLED }),
      retryable: true,
      throttled: true,
    },
    {
      name: 'ESME_RINVDSTADR',
      error: new SmppSubmitError('rejected', { commandStatus: 0x0b }),
      retryable: false,
      throttled: false,
    },
    { name: 'no answer in time', error: new SmppSubmitError('timeout'), retryable: true, throttled: false },
    {
      name: 'a text of more than 255 parts',
      error: new SmppSubmitError('too_long'),
      retryable: false,
      throttled: false,
    },
  ],
  async replay() {
    // The same stored MO processed twice (a worker died after answering, the sweep woke it again): the
    // replies written after the second run are those after the first, and the payment ran once.
    const rig = await startSmsRig({ locale: 'en' });
    try {
      const { h, sms } = rig;
      const conversation = createSmsConversation({
        db: h.db,
        redis: h.connection({ autoPipelining: true }),
        keys: keyringOf(h.config),
        prefix: h.config.redisPrefix,
        bus: h.bus,
        commandTimeoutMs: 15_000,
        defaultLocale: 'en',
      });
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const merchant = `s${randomUUID().slice(0, 6)}`;
      await h.merchant(merchant, 'Corner Shop');
      const mo = async (text: string) =>
        (
          await storeMo(h.db, keyringOf(h.config), {
            source: user,
            destination: h.config.shortCode,
            dataCoding: 0,
            text,
            udh: null,
          })
        ).stored as StoredMo;
      const replies = async () =>
        JSON.stringify(
          await h.db('sms_mt').where({ msisdn: user, reason: 'reply' }).orderBy('id').pluck('text'),
        );
      await sms.inbound.process({ moId: (await mo(`ZF ${merchant} 1`)).id }, conversation, sms.outbound);
      const pin = await mo(TEST_PIN);
      await sms.inbound.process({ moId: pin.id }, conversation, sms.outbound);
      const first = await replies();
      await sms.inbound.process({ moId: pin.id }, conversation, sms.outbound);
      const second = await replies();
      const effects = (
        await h.db('commands').where('key', 'like', `sms:${user}:m:%`).where({ type: 'payment' })
      ).length;
      return { answers: [first, second], effects };
    } finally {
      await stopSmsRig(rig, { balanced: true });
    }
  },
};

/**
 * The test SMSC: the project's SMSC simulator (src/channels/smpp/smsc-simulator.ts) listening on a free
 * port with credentials `test` / `secret`, encoding its MOs and decoding the gateway's submits with the
 * codec written from the specifications (spec-codec.ts), never the gateway's. Close it in `after`/`afterEach`.
 */
import { SmscSimulator, type SmscSimulatorOptions } from '../../src/channels/smpp/smsc-simulator.js';
import { specCodec } from './spec-codec.js';

export type {
  PduResult,
  RecordedSubmit,
  ReceivedMessage,
  SeenPdu,
} from '../../src/channels/smpp/smsc-simulator.js';
export { SmscSimulator };

export const TEST_SYSTEM_ID = 'test';
export const TEST_PASSWORD = 'secret';

export interface TestSmsc extends SmscSimulator {
  /** `smpp://test:secret@127.0.0.1:<port>` */
  readonly smppUrl: string;
}

/** Starts a simulator on 127.0.0.1, on `port` (default 0: any free one). */
export async function startTestSmsc(options: SmscSimulatorOptions = {}, port = 0): Promise<TestSmsc> {
  const smsc = new SmscSimulator({
    credentials: { systemId: TEST_SYSTEM_ID, password: TEST_PASSWORD },
    codec: specCodec,
    ...options,
  });
  await smsc.listen(port);
  return Object.assign(smsc, { smppUrl: smsc.url(TEST_SYSTEM_ID, TEST_PASSWORD) });
}

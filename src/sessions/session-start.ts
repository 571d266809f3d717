/**
 * Who starts a menu session, read from the ledger the moment a caller dials or rings: the profile's
 * language (else the gateway's), whether a wallet is open, and a merchant's request waiting for the PIN
 * (the session then opens on it). USSD and the IVR start their sessions with it.
 */
import type { Locale } from '../../flows/texts/index.js';
import { sessionStartRow } from '../ledger/index.js';
import type { Db } from '../lib/index.js';
import type { SessionStart } from './session-runner.js';

export function sessionStartOf(db: Db, defaultLocale: Locale, extra: Partial<SessionStart> = {}) {
  return (msisdn: string) => async (): Promise<SessionStart> => {
    const { profile, request } = await sessionStartRow(db, msisdn);
    return {
      flow: 'menu',
      msisdn,
      locale: profile.locale ?? defaultLocale,
      registered: profile.registered,
      ...extra,
      ...(request ? { request } : {}),
    };
  };
}

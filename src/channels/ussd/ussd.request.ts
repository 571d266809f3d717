/**
 * Reads a USSD gateway's request (Africa's Talking fields) into the seam's `Inbound`, or says in plain
 * words what is wrong with it: every field present (`text` may be empty: that is the dial), the phone a
 * mobile number, the service code ours (a gateway may append an extension: `*1065*3#`).
 */
import { normalizeMsisdn } from '../../lib/index.js';
import type { Inbound, Rejected } from '../channel.js';

const FIELDS = ['sessionId', 'serviceCode', 'phoneNumber', 'text'] as const;
/** Longer session ids are not a USSD gateway's. */
const SESSION_ID_MAX = 128;

const codeDigits = (code: string) => code.replace(/[#*\s]/g, '');

export function normalizeUssd(body: unknown, serviceCode: string): Inbound | Rejected {
  const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  for (const name of FIELDS) {
    if (typeof fields[name] !== 'string') return { rejected: `${name} is missing`, status: 400 };
    if (name !== 'text' && (fields[name] as string).trim() === '')
      return { rejected: `${name} is empty`, status: 400 };
  }
  const sessionId = (fields.sessionId as string).trim();
  if (sessionId.length > SESSION_ID_MAX) return { rejected: 'sessionId is too long', status: 400 };
  const msisdn = normalizeMsisdn(fields.phoneNumber as string);
  if (!msisdn) return { rejected: 'phoneNumber is not a mobile number', status: 400 };
  if (!codeDigits(fields.serviceCode as string).startsWith(codeDigits(serviceCode)))
    return { rejected: `serviceCode is not ${serviceCode}`, status: 400 };
  const text = fields.text as string;
  return { msisdn, sessionId, input: { type: 'TEXT', text }, request: text };
}

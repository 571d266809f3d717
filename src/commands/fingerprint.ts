/**
 * What a command looks like outside the process that made it. A queued command's secret fields (a PIN,
 * a card PIN, the old and new PIN of a change) travel sealed under PIN_KEY, so Redis job data, failed
 * jobs kept for operators and the dashboard never hold one in clear. A command's fingerprint (the same
 * key may only ever mean the same command) is a keyed HMAC of everything but its secrets: it neither
 * holds a secret nor lets one be guessed, and a retry whose PIN differs is still the same command (the
 * idempotency key names the attempt; its first outcome stands).
 */
import { type Keyring, PIN_FIELDS as SECRET_FIELDS } from '../lib/index.js';
import type { Command } from './catalog.js';

/** Where a queued input keeps its sealed secrets. */
const SEALED = 'sealed';
/**
 * The time (ms since the epoch) a user on a channel stops waiting for the result: a refusal after it
 * goes to the user by SMS. Transport, not content: not part of the fingerprint.
 */
export const REPLY_BY = 'replyBy';
/**
 * The id of the HTTP request that asked for the command, so its log lines on the worker carry the same
 * id as the request's. Transport, not content: a retry under another request is the same command.
 */
export const REQUEST_ID = 'requestId';
/**
 * The id of the audit row an operator's action wrote ahead of this command: the command's transaction
 * sets that row's outcome with its effect. Transport, not content, like the request id.
 */
export const AUDIT_ID = 'auditId';
const TRANSPORT: readonly string[] = [SEALED, REPLY_BY, REQUEST_ID, AUDIT_ID];

type Input = Record<string, unknown>;

/** The input with its secret fields sealed into one `sealed` field (unchanged when it has none). */
export function sealSecrets(keys: Keyring, input: unknown): unknown {
  if (!isObject(input)) return input;
  const secrets: Input = {};
  const rest: Input = {};
  for (const [k, v] of Object.entries(input)) {
    if (SECRET_FIELDS.includes(k) && v !== undefined) secrets[k] = v;
    else rest[k] = v;
  }
  if (!Object.keys(secrets).length) return input;
  return { ...rest, [SEALED]: keys.seal(JSON.stringify(secrets)) };
}

/** The input with its sealed secrets opened again (unchanged when nothing is sealed). */
export function openSecrets(keys: Keyring, input: unknown): unknown {
  if (!isObject(input) || !keys.isSealed(input[SEALED])) return input;
  const { [SEALED]: sealed, ...rest } = input;
  return { ...rest, ...(JSON.parse(keys.unseal(sealed as string)) as Input) };
}

/** The keyed fingerprint of a command, over its type and its input without secrets. */
export function fingerprintOf(keys: Keyring, command: Pick<Command, 'type' | 'input'>): string {
  return keys.fingerprint(canonicalJson({ type: command.type, input: withoutSecrets(command.input) }));
}

function withoutSecrets(input: unknown): unknown {
  if (!isObject(input)) return input;
  return Object.fromEntries(
    Object.entries(input).filter(([k]) => !TRANSPORT.includes(k) && !SECRET_FIELDS.includes(k)),
  );
}

function isObject(value: unknown): value is Input {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

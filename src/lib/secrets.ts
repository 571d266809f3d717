/**
 * Login passwords are kept only as scrypt hashes (PINs are keyed values: see keyring.ts, which still
 * verifies the scrypt PIN hashes made before it, once). The cost is stored in each hash
 * (`scrypt$N$r$p$salt$hash`), so it can be raised later without breaking what is stored.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * The command input fields that carry a PIN or a login password: sealed in queued commands, left out of
 * fingerprints, redacted in logs.
 */
export const PIN_FIELDS: readonly string[] = [
  'pin',
  'oldPin',
  'newPin',
  'cardPin',
  'password',
  'oldPassword',
  'newPassword',
];

/** A login password a user may choose: 6 to 32 letters and digits (typed on a phone keypad). */
export const isAcceptablePassword = (password: string): boolean => /^[A-Za-z0-9]{6,32}$/.test(password);

const KEY_LENGTH = 32;
const DEFAULT_COST = { N: 16384, r: 8, p: 1 };

function derive(secret: string, salt: Buffer, cost: typeof DEFAULT_COST): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { ...cost, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashSecret(secret: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(secret, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A random string of decimal digits from the CSPRNG (PINs, voucher serials and PINs). */
export function randomDigits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += randomInt(10).toString();
  return out;
}

/** A payment PIN must be 6 digits and not trivially guessable. */
export function isAcceptablePin(pin: string): boolean {
  if (!/^\d{6}$/.test(pin)) return false;
  if (/^(\d)\1{5}$/.test(pin)) return false;
  return !'0123456789'.includes(pin) && !'9876543210'.includes(pin);
}

/** An initial PIN the user is asked to change: random, but never one the rule above refuses. */
export function generatePin(): string {
  for (;;) {
    const pin = randomDigits(6);
    if (isAcceptablePin(pin)) return pin;
  }
}

/** An initial login password for WAP: 8 characters, no look-alikes, easy to type on a keypad. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 8; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * The PIN key (`PIN_KEY`, INTERFACES §9) and everything derived from it. A 6-digit PIN has a million
 * values: no hash protects it once the database leaks, but a key kept outside the database does, the
 * way a bank keeps a PIN verification value (PVV) under its PIN key. So:
 * - a payment PIN is stored as HMAC-SHA256 under a PIN subkey of (MSISDN, PIN), a recharge card's PIN
 *   as HMAC under a card subkey of (serial, PIN): `pvv1$<key id>$<hex>`, checked in microseconds;
 * - secrets that must travel or wait (a PIN inside a queued command, an MO holding a PIN until it is
 *   processed, a conversation snapshot mid-PIN-change) are sealed with AES-256-GCM under a seal subkey;
 * - idempotency fingerprints are HMACs under a fingerprint subkey, so a fingerprint reveals nothing
 *   guessable.
 * Subkeys come from the one key by HKDF, one per purpose. Each stored value names the id of the key it
 * was made under; `PIN_KEY_PREVIOUS` still verifies and unseals what the previous key made, and a
 * correct PIN checked under it (or under a pre-keyed scrypt hash) is rewritten under the current key.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { verifySecret } from './secrets.js';

const PVV = 'pvv1';
const SEALED = 'sealed1';

/**
 * Random 96-bit GCM IVs, drawn 1,024 at a time: a session record is sealed on every keystroke, and one
 * call to the system's random source per seal is a measurable share of a USSD step. Each IV is handed
 * out once (a fresh random block replaces a used one), so none repeats any more than single draws would.
 */
const IV_BYTES = 12;
let ivPool = Buffer.alloc(0);
let ivAt = 0;
function nextIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * 1024);
    ivAt = 0;
  }
  const iv = ivPool.subarray(ivAt, ivAt + IV_BYTES);
  ivAt += IV_BYTES;
  return iv;
}

interface KeyParts {
  id: string;
  pin: KeyObject;
  card: KeyObject;
  seal: KeyObject;
  fingerprint: KeyObject;
  merchantKey: KeyObject;
}

/** A purpose's subkey, as a KeyObject: imported once, not on every HMAC or cipher made with it. */
function subkey(master: Buffer, purpose: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `fen/${purpose}`, 32)));
}

function partsOf(hex: string): KeyParts {
  const master = Buffer.from(hex, 'hex');
  if (master.length !== 32) throw new Error('PIN_KEY must be 32 bytes in hex (64 hex digits)');
  return {
    // The id names the key without revealing it: 8 hex digits of an HMAC of a constant.
    id: createHmac('sha256', master).update('fen/key-id').digest('hex').slice(0, 8),
    pin: subkey(master, 'pin'),
    card: subkey(master, 'card'),
    seal: subkey(master, 'seal'),
    fingerprint: subkey(master, 'fingerprint'),
    merchantKey: subkey(master, 'merchant-key'),
  };
}

/** The outcome of checking a secret: `upgrade` is the value to store instead (current key, keyed form). */
export interface SecretCheck {
  ok: boolean;
  upgrade?: string;
}

export interface Keyring {
  /** The id of the current key, as stored values name it. */
  readonly keyId: string;
  /** How many PIN or card-PIN verifications ran (a locked wallet or card must not add to it). */
  readonly verifications: number;
  /** The stored verification value of a payment PIN. */
  pinValue(msisdn: string, pin: string): string;
  /** The stored verification value of a recharge card's PIN. */
  cardPinValue(serial: string, pin: string): string;
  verifyPin(msisdn: string, pin: string, stored: string): Promise<SecretCheck>;
  verifyCardPin(serial: string, pin: string, stored: string | null): Promise<SecretCheck>;
  /** AES-256-GCM: `sealed1.<key id>.<base64url of iv, ciphertext and tag>`. */
  seal(plain: string): string;
  /** The plain text of a sealed value; throws if it was not made by a key of this ring or was altered. */
  unseal(sealed: string): string;
  isSealed(value: unknown): value is string;
  /** A keyed digest (hex) for idempotency fingerprints and duplicate detection. */
  fingerprint(data: string): string;
  /**
   * The stored forms (`mk1$<key id>$<hex>`) of a merchant API or reviewer key: under the current key
   * first (what is stored), then under the previous one (what was stored before a PIN_KEY rotation).
   */
  merchantKeyValues(apiKey: string): string[];
}

export function createKeyring(currentHex: string, previousHex?: string): Keyring {
  const current = partsOf(currentHex);
  const previous = previousHex ? partsOf(previousHex) : undefined;
  const byId = new Map<string, KeyParts>([[current.id, current]]);
  if (previous && previous.id !== current.id) byId.set(previous.id, previous);
  let verifications = 0;

  const pvv = (key: KeyObject, id: string, a: string, b: string) =>
    `${PVV}$${id}$${createHmac('sha256', key).update(a).update('\u0000').update(b).digest('hex')}`;
  const same = (a: string, b: string) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };

  /** Checks against a stored value of either key or a legacy scrypt hash; upgrades what is not current. */
  async function verify(
    purpose: 'pin' | 'card',
    a: string,
    secret: string,
    stored: string,
  ): Promise<SecretCheck> {
    verifications += 1;
    const fresh = pvv(current[purpose], current.id, a, secret);
    if (stored.startsWith(`${PVV}$`)) {
      const id = stored.slice(PVV.length + 1, stored.indexOf('$', PVV.length + 1));
      const parts = byId.get(id);
      if (!parts) return { ok: false };
      const ok = same(parts === current ? fresh : pvv(parts[purpose], parts.id, a, secret), stored);
      return ok && parts !== current ? { ok, upgrade: fresh } : { ok };
    }
    // A hash from before keyed PINs: checked the slow way once, then replaced.
    if (stored.startsWith('scrypt$')) {
      const ok = await verifySecret(secret, stored);
      return ok ? { ok, upgrade: fresh } : { ok };
    }
    return { ok: false };
  }

  return {
    keyId: current.id,
    get verifications() {
      return verifications;
    },
    pinValue: (msisdn, pin) => pvv(current.pin, current.id, msisdn, pin),
    cardPinValue: (serial, pin) => pvv(current.card, current.id, serial, pin),
    verifyPin: (msisdn, pin, stored) => verify('pin', msisdn, pin, stored),
    async verifyCardPin(serial, pin, stored) {
      // An unknown card costs what a wrong PIN costs, so timing does not tell serials apart.
      if (stored === null) {
        await verify('card', serial, pin, pvv(current.card, current.id, serial, `\u0001${pin}`));
        return { ok: false };
      }
      return verify('card', serial, pin, stored);
    },
    seal(plain) {
      const iv = nextIv();
      const cipher = createCipheriv('aes-256-gcm', current.seal, iv);
      cipher.setAAD(Buffer.from(current.id));
      const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${SEALED}.${current.id}.${body.toString('base64url')}`;
    },
    unseal(sealed) {
      const [scheme, id, b64] = sealed.split('.');
      const parts = byId.get(id ?? '');
      if (scheme !== SEALED || !parts || !b64) throw new Error('not a value sealed under a known PIN key');
      const body = Buffer.from(b64, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', parts.seal, body.subarray(0, 12));
      decipher.setAAD(Buffer.from(parts.id));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString(
        'utf8',
      );
    },
    isSealed: (value): value is string => typeof value === 'string' && value.startsWith(`${SEALED}.`),
    fingerprint: (data) => createHmac('sha256', current.fingerprint).update(data).digest('hex'),
    merchantKeyValues: (apiKey) =>
      [...byId.values()].map(
        (parts) => `mk1$${parts.id}$${createHmac('sha256', parts.merchantKey).update(apiKey).digest('hex')}`,
      ),
  };
}

const rings = new Map<string, Keyring>();

/** The keyring of a configuration (one per key pair, made once). */
export function keyringOf(config: { pinKey?: string; pinKeyPrevious?: string }): Keyring {
  if (!config.pinKey) throw new Error('PIN_KEY is not set (process roles load or create it at start)');
  const id = `${config.pinKey}/${config.pinKeyPrevious ?? ''}`;
  let ring = rings.get(id);
  if (!ring) {
    ring = createKeyring(config.pinKey, config.pinKeyPrevious);
    rings.set(id, ring);
  }
  return ring;
}

/**
 * The PIN key kept in `<dataDir>/pin.key` (mode 0600), made on first start and reused after, for a
 * gateway run without `PIN_KEY`. A production deployment sets `PIN_KEY` from its secret store instead.
 */
export function loadOrCreatePinKey(dataDir: string): string {
  const file = path.join(dataDir, 'pin.key');
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    partsOf(hex); // refuses a damaged file rather than silently making new PINs unverifiable
    return hex;
  }
  mkdirSync(dataDir, { recursive: true });
  const hex = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, `${hex}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process (the gateway and a worker started together) wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreatePinKey(dataDir);
    throw err;
  }
  chmodSync(file, 0o600);
  return hex;
}

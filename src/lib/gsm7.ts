/**
 * The GSM 03.38 default alphabet and its extension table, as SMPP carries them with `data_coding` 0:
 * unpacked, one septet per octet (the SMSC packs them for the air). An extension character is the escape
 * septet 0x1B followed by its code, so it counts as two septets against the 160 of an SMS. The SMPP
 * codec encodes with it; the flows size USSD pages by it.
 */

const ESC = 0x1b;

// Index = septet. 0x1B is the escape to the extension table (shown as a space if it stands alone).
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u00a0ÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const EXTENSION: ReadonlyArray<[number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

const encodeBasic = new Map<string, number>();
for (let i = 0; i < BASIC.length; i++) if (i !== ESC) encodeBasic.set(BASIC[i], i);
const encodeExt = new Map<string, number>(EXTENSION.map(([code, ch]) => [ch, code]));
const decodeExt = new Map<number, string>(EXTENSION);

/** Septets `ch` takes in the GSM alphabet: 1 (basic), 2 (extension) or 0 (not representable). */
export function gsmSeptets(ch: string): 0 | 1 | 2 {
  if (encodeBasic.has(ch)) return 1;
  if (encodeExt.has(ch)) return 2;
  return 0;
}

/** Whether every character of `text` is in the GSM default alphabet or its extension table. */
export function isGsm(text: string): boolean {
  for (const ch of text) if (gsmSeptets(ch) === 0) return false;
  return true;
}

/** Unpacked septets of `text`; characters outside the alphabet become '?'. */
export function encodeGsm(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const basic = encodeBasic.get(ch);
    if (basic !== undefined) out.push(basic);
    else {
      const ext = encodeExt.get(ch);
      if (ext !== undefined) out.push(ESC, ext);
      else out.push(0x3f);
    }
  }
  return Buffer.from(out);
}

/**
 * Text of unpacked septets. An escape followed by a code the extension table lacks shows the basic
 * character of that code, as GSM 03.38 asks of receivers; the top bit of each octet is ignored.
 */
export function decodeGsm(septets: Uint8Array): string {
  let text = '';
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i] & 0x7f;
    if (septet === ESC && i + 1 < septets.length) {
      const next = septets[++i] & 0x7f;
      text += decodeExt.get(next) ?? BASIC[next];
    } else {
      text += septet === ESC ? ' ' : BASIC[septet];
    }
  }
  return text;
}

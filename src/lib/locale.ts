/** The languages texts come in: the first is the default wherever a reader's language is not known. */
export const LOCALES = ['zh-CN', 'en'] as const;

export type Locale = (typeof LOCALES)[number];

/** `value` when it is one of `LOCALES`, else the default (zh-CN). */
export function localeOr(value: string | null | undefined): Locale {
  return LOCALES.find((l) => l === value) ?? LOCALES[0];
}

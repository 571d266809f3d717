/**
 * The SMS keyword grammar (INTERFACES §3): `parseSms` turns one MO text into an intent; usage and help texts;
 * `maskSecrets` writes `*` over the PINs an MO holds (INTERFACES §9).
 */
export {
  type CommandKind,
  helpText,
  invalidReply,
  type Locale,
  MAX_SMS_TEXT,
  type ParseOptions,
  parseSms,
  problemText,
  SMS_KEYWORDS,
  type SmsArgument,
  type SmsCommand,
  type SmsIntent,
  type SmsInvalid,
  type SmsKeyword,
  type SmsProblem,
  type SmsUnknown,
  usage,
} from './sms-grammar.js';
export { maskSecrets } from './sms-secrets.js';

/**
 * The WAP forms that run a command, as data: their fields (label, kind, how each is checked), the
 * command a valid post becomes, the words of its success, and which field a refusal is about. A field
 * that fails its check sends the form back with the error beside it and the other fields kept; a
 * secret field (a PIN, a password) is never kept, never put in a URL and never stored.
 */
import { type Locale, text } from '../../../flows/texts/index.js';
import type { CommandPayload, CommandType } from '../../commands/index.js';
import {
  isAcceptablePassword,
  isAcceptablePin,
  nationalMsisdn,
  normalizeMsisdn,
  parseYuan,
  toHalfWidth,
} from '../../lib/index.js';
import type { WapForm } from './wap.request.js';
import { type WapTextKey, wapText } from './wap.texts.js';
import type { LinkItem } from './wap.views.js';

export interface FieldSpec {
  name: string;
  label: WapTextKey;
  type: 'text' | 'password' | 'checkbox';
  max: number;
  numeric?: boolean;
  /** What is wrong with the value, or null; `all` holds the form's other fields. */
  check(value: string, all: Record<string, string>): WapTextKey | null;
}

type CommandOf = { [T in CommandType]: { type: T; input: CommandPayload<T> } }[CommandType];

/** A form as a page shows it: where it posts, its title, fields and button, and what it says around them. */
export interface FormShape {
  path: string;
  title: WapTextKey;
  submit: WapTextKey;
  fields: FieldSpec[];
  intro?: WapTextKey[];
  /** Numbered links under the form. */
  links?: (locale: Locale) => LinkItem[];
  /** A link home at the foot (forms of a logged-in user). */
  home?: boolean;
}

export interface CommandForm extends FormShape {
  form: WapForm;
  command(msisdn: string, values: Record<string, string>): CommandOf;
  done(locale: Locale, value: Record<string, unknown>, values: Record<string, string>): string;
  /** The field each refusal code is about (the others show above the form). */
  refusalField: Record<string, string>;
}

const digits = (value: string) => toHalfWidth(value).trim();
const fen = (value: unknown) => BigInt(String(value ?? '0'));

const pin = (name: string, label: WapTextKey): FieldSpec => ({
  name,
  label,
  type: 'password',
  max: 6,
  numeric: true,
  check: (v) => (/^\d{6}$/.test(digits(v)) ? null : 'error.pin'),
});
const newPin = (name: string, label: WapTextKey): FieldSpec => ({
  ...pin(name, label),
  check: (v) => (isAcceptablePin(digits(v)) ? null : 'error.newPin'),
});
const again = (name: string, label: WapTextKey, of: string, max: number, numeric = false): FieldSpec => ({
  name,
  label,
  type: 'password',
  max,
  numeric,
  check: (v, all) => (v === (all[of] ?? '') ? null : 'error.again'),
});
const amount: FieldSpec = {
  name: 'amount',
  label: 'field.amount',
  type: 'text',
  max: 12,
  numeric: true,
  check: (v) => (parseYuan(v) === null ? 'error.amount' : null),
};
export const msisdnField: FieldSpec = {
  name: 'msisdn',
  label: 'login.msisdn',
  type: 'text',
  max: 16,
  numeric: true,
  check: (v) => (normalizeMsisdn(v) ? null : 'error.msisdn'),
};
const yuan = (v: string) => String(parseYuan(v) ?? 0n);

export const loginForm: FormShape = {
  path: '/wap/login',
  title: 'login.title',
  submit: 'login.submit',
  fields: [
    msisdnField,
    {
      name: 'password',
      label: 'login.password',
      type: 'password',
      max: 32,
      check: (v) => (v ? null : 'error.password'),
    },
  ],
  links: (locale) => [
    { key: '1', href: '/wap/open', label: wapText(locale, 'login.open') },
    {
      key: '9',
      href: `/wap/login?lang=${locale === 'en' ? 'zh-CN' : 'en'}`,
      label: wapText(locale, 'nav.lang'),
    },
  ],
};

export const openForm: FormShape = {
  path: '/wap/open',
  title: 'open.title',
  submit: 'open.submit',
  intro: ['open.intro'],
  fields: [
    msisdnField,
    {
      name: 'accept',
      label: 'open.accept',
      type: 'checkbox',
      max: 1,
      check: (v) => (v === '1' ? null : 'error.accept'),
    },
  ],
  links: (locale) => [
    { key: '1', href: `/wap/terms?lang=${locale}`, label: wapText(locale, 'menu.terms') },
    { key: '2', href: '/wap/login', label: wapText(locale, 'login.title') },
  ],
};

export const commandForms: CommandForm[] = [
  {
    form: 'pay',
    path: '/wap/pay',
    home: true,
    title: 'pay.title',
    submit: 'pay.submit',
    fields: [
      {
        name: 'merchant',
        label: 'pay.merchant',
        type: 'text',
        max: 32,
        check: (v) => (/^[A-Za-z0-9_-]{1,32}$/.test(toHalfWidth(v).trim()) ? null : 'error.merchant'),
      },
      amount,
      pin('pin', 'field.pin'),
    ],
    command: (msisdn, v) => ({
      type: 'payment',
      input: { msisdn, merchant: toHalfWidth(v.merchant).trim(), amount: yuan(v.amount), pin: digits(v.pin) },
    }),
    done: (locale, value, v) =>
      text(locale, 'flow.pay.done', {
        amount: parseYuan(v.amount) ?? 0n,
        merchant: String(value.merchantName ?? value.merchant ?? ''),
        balance: fen(value.balance),
      }),
    refusalField: {
      merchant_not_found: 'merchant',
      insufficient_funds: 'amount',
      limit_per_payment: 'amount',
      limit_daily: 'amount',
      wrong_pin: 'pin',
      pin_locked: 'pin',
    },
  },
  {
    form: 'transfer',
    path: '/wap/transfer',
    home: true,
    title: 'transfer.title',
    submit: 'transfer.submit',
    fields: [{ ...msisdnField, name: 'to', label: 'transfer.to' }, amount, pin('pin', 'field.pin')],
    command: (msisdn, v) => ({
      type: 'transfer',
      input: { msisdn, to: normalizeMsisdn(v.to) ?? '', amount: yuan(v.amount), pin: digits(v.pin) },
    }),
    done: (locale, value, v) =>
      text(locale, 'flow.transfer.done', {
        amount: parseYuan(v.amount) ?? 0n,
        to: nationalMsisdn(normalizeMsisdn(v.to) ?? ''),
        balance: fen(value.balance),
      }),
    refusalField: {
      payee_not_found: 'to',
      same_account: 'to',
      counterparty_unavailable: 'to',
      insufficient_funds: 'amount',
      limit_per_payment: 'amount',
      limit_daily: 'amount',
      wrong_pin: 'pin',
      pin_locked: 'pin',
    },
  },
  {
    form: 'topup',
    path: '/wap/topup',
    home: true,
    title: 'topup.title',
    submit: 'topup.submit',
    fields: [
      {
        name: 'serial',
        label: 'topup.serial',
        type: 'text',
        max: 20,
        numeric: true,
        check: (v) => (/^\d{8,20}$/.test(digits(v)) ? null : 'error.serial'),
      },
      {
        name: 'cardPin',
        label: 'topup.cardPin',
        type: 'password',
        max: 12,
        numeric: true,
        check: (v) => (/^\d{4,12}$/.test(digits(v)) ? null : 'error.cardPin'),
      },
    ],
    command: (msisdn, v) => ({
      type: 'topup.card',
      input: { msisdn, serial: digits(v.serial), cardPin: digits(v.cardPin) },
    }),
    done: (locale, value) =>
      text(locale, 'flow.topup.done', { amount: fen(value.amount), balance: fen(value.balance) }),
    refusalField: { voucher_invalid: 'serial', voucher_used: 'serial', voucher_locked: 'serial' },
  },
  {
    form: 'password',
    path: '/wap/password',
    home: true,
    title: 'password.title',
    submit: 'password.submit',
    fields: [
      {
        name: 'oldPassword',
        label: 'password.old',
        type: 'password',
        max: 32,
        check: (v) => (v ? null : 'error.password'),
      },
      {
        name: 'newPassword',
        label: 'password.new',
        type: 'password',
        max: 32,
        check: (v) => (isAcceptablePassword(v) ? null : 'error.newPassword'),
      },
      again('again', 'password.again', 'newPassword', 32),
    ],
    command: (msisdn, v) => ({
      type: 'password.change',
      input: { msisdn, oldPassword: v.oldPassword, newPassword: v.newPassword },
    }),
    done: (locale) => wapText(locale, 'password.done'),
    refusalField: { wrong_password: 'oldPassword', password_format: 'newPassword' },
  },
  {
    form: 'pin',
    path: '/wap/pin',
    home: true,
    title: 'pin.title',
    submit: 'pin.submit',
    fields: [
      pin('oldPin', 'pin.old'),
      newPin('newPin', 'pin.new'),
      again('again', 'pin.again', 'newPin', 6, true),
    ],
    command: (msisdn, v) => ({
      type: 'pin.change',
      input: { msisdn, oldPin: digits(v.oldPin), newPin: digits(v.newPin) },
    }),
    done: (locale) => text(locale, 'flow.pin.done'),
    refusalField: { wrong_pin: 'oldPin', pin_locked: 'oldPin', pin_format: 'newPin' },
  },
  {
    form: 'freeze',
    path: '/wap/freeze',
    home: true,
    title: 'freeze.title',
    submit: 'freeze.submit',
    fields: [
      {
        name: 'days',
        label: 'freeze.days',
        type: 'text',
        max: 3,
        numeric: true,
        check: (v) => {
          const d = digits(v);
          return d === '' || (/^\d{1,3}$/.test(d) && Number(d) >= 1 && Number(d) <= 365)
            ? null
            : 'error.days';
        },
      },
    ],
    command: (msisdn, v) => ({
      type: 'account.freeze',
      input: digits(v.days) ? { msisdn, days: Number(digits(v.days)) } : { msisdn },
    }),
    done: (locale, value) =>
      typeof value.frozenUntil === 'string'
        ? text(locale, 'flow.freeze.done.until', { date: value.frozenUntil.slice(0, 10) })
        : text(locale, 'flow.freeze.done'),
    refusalField: {},
  },
  {
    form: 'unfreeze',
    path: '/wap/unfreeze',
    home: true,
    title: 'unfreeze.title',
    submit: 'unfreeze.submit',
    fields: [pin('pin', 'field.pin')],
    command: (msisdn, v) => ({ type: 'account.unfreeze', input: { msisdn, pin: digits(v.pin) } }),
    done: (locale) => text(locale, 'flow.unfreeze.done'),
    refusalField: { wrong_pin: 'pin', pin_locked: 'pin' },
  },
];

/** The fields of a form with something wrong, each with its error; empty when all pass. */
export function fieldErrors(fields: FieldSpec[], values: Record<string, string>): Record<string, WapTextKey> {
  const errors: Record<string, WapTextKey> = {};
  for (const f of fields) {
    const problem = f.check(values[f.name] ?? '', values);
    if (problem) errors[f.name] = problem;
  }
  return errors;
}

/** The values to show again: what the user typed, never a secret field's. */
export function keptValues(fields: FieldSpec[], values: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const f of fields)
    if (f.type === 'text' && values[f.name] !== undefined) kept[f.name] = values[f.name];
  return kept;
}

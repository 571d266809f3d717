/**
 * The WAP pages' templates: eta, with escaping on (`<%= %>` escapes; the one raw output, `<%~ %>`, is
 * only ever used for markup the templates themselves made: the layout's body and included menus).
 * Templates are compiled once and cached. Every page is plain HTML 4-level markup a 240-pixel browser
 * and a text browser read: no script, no image, one small stylesheet from the gateway.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Locale } from '../../../flows/texts/index.js';

const eta = new Eta({
  views: fileURLToPath(new URL('./views', import.meta.url)),
  cache: true,
  autoEscape: true,
});

/** The one stylesheet, served at `/wap/style.css`. */
export const STYLESHEET = readFileSync(new URL('./wap.css', import.meta.url), 'utf8');

/** A page must stay under this many bytes (INTERFACES §7). */
export const PAGE_MAX_BYTES = 10 * 1024;

/** A numbered link of a menu: `accesskey` is its number, as the USSD menu numbers it. */
export interface LinkItem {
  key: string;
  href: string;
  label: string;
}

/** A form field; `value` is what the user typed (never for a secret), `error` what is wrong with it. */
export interface FieldView {
  name: string;
  label: string;
  type: 'text' | 'password' | 'checkbox';
  value?: string;
  error?: string;
  max?: number;
  numeric?: boolean;
}

interface Frame {
  lang: Locale;
  title: string;
  /** The label of the link home at the foot of the page, when there is one. */
  home?: string;
}

export interface FormView extends Frame {
  action: string;
  csrf: string;
  formKey: string;
  fields: FieldView[];
  submit: string;
  intro?: string[];
  error?: string;
  links?: LinkItem[];
}

export interface PageView extends Frame {
  lines?: { text: string; strong?: boolean }[];
  rows?: { date: string; amount: string; who: string }[];
  menu?: LinkItem[];
  logout?: { csrf: string; formKey: string; label: string };
}

export const formPage = (view: FormView): string => eta.render('./form', view);
export const plainPage = (view: PageView): string => eta.render('./page', view);

/** The message catalog's door: texts by key and locale, money as `¥12.50`, refusals as friendly texts. */
export { type Locale, money, type TextKey, text } from './catalog.js';
export { refusalText, refusalWording } from './refusal-text.js';

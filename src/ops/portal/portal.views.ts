/**
 * The portal's templates: eta with escaping on (`<%= %>` escapes; the one raw output, `<%~ %>`, is the
 * layout's body, markup the templates themselves made). Compiled once and cached. No script, no
 * external asset: one stylesheet from the gateway.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { StaffRole } from '../../ledger/index.js';

const eta = new Eta({
  views: fileURLToPath(new URL('./views', import.meta.url)),
  cache: true,
  autoEscape: true,
});

/** The one stylesheet, served at `/merchant/style.css`. */
export const PORTAL_STYLESHEET = readFileSync(new URL('./portal.css', import.meta.url), 'utf8');

/** Who is logged in, as the pages show it. */
export interface StaffView {
  id: string;
  merchant: string;
  username: string;
  role: StaffRole;
}

/** What every page has: its title, the logged-in staff member (none on the login page), a line above. */
export type PageFrame = {
  title: string;
  csrf: string;
  staff: StaffView | null;
  notice?: { ok: boolean; text: string };
};

export type PortalTemplate = 'login' | 'orders' | 'order' | 'refunds' | 'settlements' | 'staff' | 'message';

export const portalPage = (template: PortalTemplate, view: PageFrame & Record<string, unknown>): string =>
  eta.render(`./${template}`, view);

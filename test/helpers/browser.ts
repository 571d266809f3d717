/**
 * The browser tests' Chromium: Debian's (`/usr/bin/chromium`) driven by `playwright-core`, so nothing is
 * downloaded. Where it is missing the tests fail saying how to install it (`.ci/run` does).
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const hasChromium = () => existsSync(CHROMIUM);

/** A headless Chromium without its background traffic (updates, sync, first-run pages). */
export async function launchChromium(): Promise<Browser> {
  // A skipped test would pass for nothing (and the runner fails pending ones): a missing browser fails, saying how.
  if (!hasChromium()) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

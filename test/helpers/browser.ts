/**
 * Debian's Chromium for browser tests, driven by `playwright-core` (no browser download). Where it is
 * missing the test fails saying how to install it: a skipped browser test would pass for nothing.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const hasChromium = () => existsSync(CHROMIUM);

/** Launches headless Chromium with nothing that reaches out (updates, sync, background fetches). */
export async function launchChromium(): Promise<Browser> {
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

/** An empty folder for a test's screenshots (under the git-ignored `artifacts/`). */
export function freshArtifacts(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

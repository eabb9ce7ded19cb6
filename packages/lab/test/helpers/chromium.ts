import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's chromium: playwright-core drives it, so no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Why headless Chromium cannot run here, or undefined when it can. When it cannot, says so once on
 * stderr, naming `suite`, so a skipped suite is never silent.
 */
export function chromiumMissing(suite: string): string | undefined {
  if (existsSync(CHROMIUM)) return undefined
  const reason = `${CHROMIUM} is missing (apt-get install -y chromium)`
  console.warn(`${suite}: skipping, ${reason}`)
  return reason
}

/** Launches headless Chromium without sandbox, GPU or background traffic; the caller closes it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

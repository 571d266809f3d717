/** Business days are China Standard Time (UTC+8, no daylight saving): limits and reversals reset at its midnight. */
const CST_OFFSET_MS = 8 * 3600 * 1000;

/** `YYYY-MM-DD` of the business day `at` falls in. */
export function businessDay(at: Date = new Date()): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The UTC instants where business day `day` starts and ends. */
export function businessDayRange(day: string): { from: Date; to: Date } {
  const from = new Date(Date.parse(`${day}T00:00:00Z`) - CST_OFFSET_MS);
  return { from, to: new Date(from.getTime() + 24 * 3600 * 1000) };
}

/** `YYYY-MM-DD HH:mm`, China time: how a moment is shown to users (a lock's end, a freeze's date). */
export function chinaTime(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Small, pure time helpers for gates and schedules (all instants are ISO UTC strings). */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

export const ms = (iso: string): number => new Date(iso).getTime();
export const addMinutes = (iso: string, minutes: number): string => new Date(ms(iso) + minutes * MINUTE_MS).toISOString();
export const minutesBetween = (from: string, to: string): number => (ms(to) - ms(from)) / MINUTE_MS;

/** "1 h 12 min", "45 min", "3 d 4 h" — for refusal messages. */
export function formatDuration(minutes: number): string {
  const total = Math.max(0, Math.ceil(minutes));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const mins = total % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/** Site-local wall-clock time "10:32" (with the date when it is not today there). */
export function formatLocalTime(iso: string, timezone: string, nowIso?: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
  if (!nowIso) return time;
  const day = (i: string) => new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(i));
  return day(iso) === day(nowIso) ? time : `${day(iso)} ${time}`;
}

/** The site-local calendar date of an instant (YYYY-MM-DD). */
export function localDate(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

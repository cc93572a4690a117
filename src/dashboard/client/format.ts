/** Formatters of the dashboard: pure functions of their arguments (no DOM, no clock), unit-tested under node. */

const IST_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Kolkata',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** A price in Indian grouping with 2 to 4 decimals (`2,345.60`); empty when unknown. */
export function price(v: number | undefined): string {
  return v === undefined
    ? ''
    : v.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
}

/** A signed number (`+1.25`, `-0.50`, `0.00`); empty when unknown. */
export function signed(v: number | undefined, digits = 2): string {
  return v === undefined ? '' : `${v > 0 ? '+' : ''}${v.toFixed(digits)}`;
}

/** A change in percent (`+1.25%`); empty when unknown. */
export function percent(v: number | undefined): string {
  return v === undefined ? '' : `${signed(v)}%`;
}

/** A quantity in Indian grouping (`12,34,567`); empty when unknown. */
export function quantity(v: number | undefined): string {
  return v === undefined ? '' : v.toLocaleString('en-IN');
}

/** HH:MM:SS in IST of an epoch-ms instant, whatever the browser's zone. */
export function istClock(ms: number): string {
  return IST_TIME.format(new Date(ms));
}

/** The exchange's time of the last trade when the tick has one (full mode), else `nowMs` in IST. */
export function tickTime(iso: string | null | undefined, nowMs: number): string {
  return iso ? iso.slice(11, 19) : istClock(nowMs);
}

/** A countdown: `HH:MM:SS`, with whole days in front (`2d 03:04:05`); never negative. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  return d > 0 ? `${d}d ${hms}` : hms;
}

/** A status value as people read it: `POST_CLOSE` → `POST CLOSE`. */
export function statusLabel(v: string): string {
  return v.replace(/_/g, ' ');
}

/** The age of the last tick (`last tick 1.2 s ago`), or `no tick yet`. */
export function tickAge(lastTickAt: number, nowMs: number): string {
  return lastTickAt === 0 ? 'no tick yet' : `last tick ${((nowMs - lastTickAt) / 1000).toFixed(1)} s ago`;
}

const IST_HM = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Kolkata',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const IST_DAY = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Kolkata',
  day: 'numeric',
  month: 'short',
});

/** HH:MM in IST of epoch seconds (the chart's time axis). */
export function istHourMinute(seconds: number): string {
  return IST_HM.format(new Date(seconds * 1000));
}

/** `1 Dec 09:15` in IST of epoch seconds (the chart's crosshair label). */
export function istDayTime(seconds: number): string {
  return `${IST_DAY.format(new Date(seconds * 1000))} ${istHourMinute(seconds)}`;
}

/** How long until an ISO instant, as a countdown (`in 11:59:58`), or `ended` once it has passed. */
export function until(iso: string, nowMs: number): string {
  const left = Date.parse(iso) - nowMs;
  return left > 0 ? `in ${duration(left)}` : 'ended';
}

/** How long ago an ISO instant was (`12 s ago`, `3 min ago`, `2 h ago`, `4 d ago`); `never` for null. */
export function ago(iso: string | null, nowMs: number): string {
  if (iso === null) return 'never';
  const s = Math.max(0, Math.floor((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

import { DAY_MS as DAY, IST_OFFSET_MS, istDate, istInstant, istIso } from '../clock/ist.js';
import type { MarketCalendar, Window } from './calendar.js';

import type { MarketStatus, MarketStatusValue } from '../contracts/market-status.contract.js';

export type { MarketStatus, MarketStatusValue } from '../contracts/market-status.contract.js';

interface Span {
  status: MarketStatusValue;
  start: number;
  end: number;
}

const SEARCH_DAYS = 21;

export interface DayPlan {
  windows: Window[];
  /** Why the exchange is closed all day, if it is. */
  closedReason?: string;
  /** True when the date lies past the calendar's last year (weekdays assumed trading days). */
  beyondCalendar: boolean;
}

/** The trading windows of one IST date under a calendar. */
export function dayPlan(date: string, cal: MarketCalendar): DayPlan {
  const year = Number(date.slice(0, 4));
  const beyondCalendar = year > Math.max(...cal.years);
  const special = cal.special_sessions.find((s) => s.date === date);
  if (special) return { windows: special.windows, beyondCalendar };
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return { windows: [], closedReason: 'weekend', beyondCalendar };
  const holiday = cal.holidays.find((h) => h.date === date);
  if (holiday) return { windows: [], closedReason: `holiday: ${holiday.name}`, beyondCalendar };
  return { windows: cal.sessions, beyondCalendar };
}

function spans(fromDate: string, days: number, cal: MarketCalendar): Span[] {
  const out: Span[] = [];
  const first = Date.parse(`${fromDate}T00:00:00Z`);
  for (let i = 0; i < days; i++) {
    const date = new Date(first + i * DAY).toISOString().slice(0, 10);
    for (const w of dayPlan(date, cal).windows) {
      out.push({ status: w.status, start: istInstant(date, w.start), end: istInstant(date, w.end) });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The market status at `now` under `cal`: a pure function, computed afresh on every call.
 * Returns also whether the date lies beyond the calendar (the caller warns once).
 */
export function computeMarketStatus(
  now: number,
  cal: MarketCalendar,
): MarketStatus & { beyondCalendar: boolean } {
  const today = istDate(now);
  const from = new Date(Date.parse(`${today}T00:00:00Z`) - SEARCH_DAYS * DAY).toISOString().slice(0, 10);
  const all = spans(from, 2 * SEARCH_DAYS + 1, cal);
  const plan = dayPlan(today, cal);
  const current = all.find((s) => s.start <= now && now < s.end);
  let status: MarketStatusValue;
  let since: number;
  let nextAt: number;
  let nextStatus: MarketStatusValue;
  if (current) {
    status = current.status;
    // Adjacent windows of the same status merge (e.g. two LIVE windows back to back).
    let start = current;
    for (
      let s = all.find((x) => x.end === start.start && x.status === status);
      s;
      s = all.find((x) => x.end === start.start && x.status === status)
    ) {
      start = s;
    }
    since = start.start;
    let end = current;
    for (
      let s = all.find((x) => x.start === end.end && x.status === status);
      s;
      s = all.find((x) => x.start === end.end && x.status === status)
    ) {
      end = s;
    }
    nextAt = end.end;
    nextStatus = all.find((x) => x.start === nextAt)?.status ?? 'CLOSED';
  } else {
    status = 'CLOSED';
    const before = all.filter((s) => s.end <= now).pop();
    const after = all.find((s) => s.start > now);
    since = before?.end ?? Date.parse(`${from}T00:00:00Z`) - IST_OFFSET_MS;
    nextAt = after?.start ?? now + SEARCH_DAYS * DAY;
    nextStatus = after?.status ?? 'CLOSED';
  }
  const result: MarketStatus & { beyondCalendar: boolean } = {
    exchange: cal.exchange,
    status,
    since: istIso(since),
    next_status: nextStatus,
    next_change_at: istIso(nextAt),
    server_time: istIso(now),
    beyondCalendar: plan.beyondCalendar,
  };
  if (status === 'CLOSED' && plan.closedReason) result.reason = plan.closedReason;
  else if (status === 'CLOSED') {
    result.reason =
      now < (all.find((s) => istDate(s.start) === today)?.start ?? 0) ? 'before open' : 'after close';
  }
  return result;
}

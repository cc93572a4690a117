/** DI token of the validated `MarketCalendar` (loaded by main before the application starts). */
export const MARKET_CALENDAR = Symbol('MARKET_CALENDAR');

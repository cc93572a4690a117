import type * as Charts from 'lightweight-charts';
import type { CandleRow, CandlesResponse } from '../../contracts/candles.contract.js';
import type { Tick } from '../../kite/tick.js';
import { $ } from './dom.js';
import { istDayTime, istHourMinute } from './format.js';
import { applyTick, type Bar, type LiveCandle } from './live-candle.js';
import { serverNow, store } from './state.js';

/** TradingView's lightweight-charts, the standalone build the gateway serves from /vendor. */
declare const LightweightCharts: typeof Charts;

type Time = Charts.UTCTimestamp;

let chart: Charts.IChartApi | undefined;
let candles: Charts.ISeriesApi<'Candlestick'> | undefined;
let volumes: Charts.ISeriesApi<'Histogram'> | undefined;
let token: number | undefined;
let live: LiveCandle = {};
let loading = 0;

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const light = window.matchMedia('(prefers-color-scheme: light)');

/** The page's theme colours (style.css), read again whenever the system theme changes. */
function themed(): Charts.DeepPartial<Charts.ChartOptions> {
  return {
    layout: { background: { color: css('--panel') }, textColor: css('--text'), attributionLogo: true },
    grid: { vertLines: { color: css('--border') }, horzLines: { color: css('--border') } },
    rightPriceScale: { borderColor: css('--border') },
    timeScale: { borderColor: css('--border') },
  };
}

/** Candle colours from the theme's up and down colours. */
function candleColours(): Charts.DeepPartial<Charts.CandlestickSeriesOptions> {
  const up = css('--up');
  const down = css('--down');
  return {
    upColor: up,
    downColor: down,
    borderUpColor: up,
    borderDownColor: down,
    wickUpColor: up,
    wickDownColor: down,
  };
}

function create(): void {
  const options = themed();
  chart = LightweightCharts.createChart($('chart'), {
    ...options,
    autoSize: true,
    // The axis and crosshair show IST, whatever the browser's zone; the data stays epoch seconds.
    localization: { timeFormatter: (t: Charts.Time) => istDayTime(t as number) },
    timeScale: {
      ...options.timeScale,
      timeVisible: true,
      secondsVisible: false,
      maxBarSpacing: 14,
      tickMarkFormatter: (t: Charts.Time) => istHourMinute(t as number),
    },
  });
  candles = chart.addSeries(LightweightCharts.CandlestickSeries, candleColours());
  volumes = chart.addSeries(LightweightCharts.HistogramSeries, {
    priceFormat: { type: 'volume' },
    priceScaleId: '',
    lastValueVisible: false,
    priceLineVisible: false,
  });
  // Volume bars take the bottom fifth, under the candles.
  volumes.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
  light.addEventListener('change', () => {
    chart?.applyOptions(themed());
    candles?.applyOptions(candleColours());
    // Volume bars carry their colour in the data: draw them again.
    const selected = store.get().selected;
    if (selected) void load(selected);
  });
}

/** `#rrggbb` with an alpha, as rgba() (the library parses colours itself). */
function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return Number.isNaN(n) ? hex : `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const volumeBar = (b: Bar) => ({
  time: b.time as Time,
  value: b.volume,
  color: withAlpha(b.close >= b.open ? css('--up') : css('--down'), 0.45),
});

const barText = (b: Bar | undefined) =>
  b ? [b.time, b.open, b.high, b.low, b.close, b.volume].join(',') : '';

/** Draws (or redraws) the last bar and tells the page's data attribute what it is. */
function draw(b: Bar): void {
  candles?.update({ time: b.time as Time, open: b.open, high: b.high, low: b.low, close: b.close });
  volumes?.update(volumeBar(b));
  // The last bar as text, for people reading the DOM and for the browser test.
  $('chart').dataset.last = barText(b);
}

/** Loads the session's one-minute candles of `symbol` from /api/candles. */
async function load(symbol: string): Promise<void> {
  const seq = ++loading;
  token = undefined;
  live = {};
  const res = await fetch(`/api/candles?i=${encodeURIComponent(symbol)}&interval=1m`, {
    credentials: 'same-origin',
  });
  if (seq !== loading || !res.ok) return;
  const body = (await res.json()) as CandlesResponse;
  if (seq !== loading) return;
  const bars: Bar[] = body.candles.map(([time, open, high, low, close, volume]: CandleRow) => ({
    time,
    open,
    high,
    low,
    close,
    volume,
  }));
  candles?.setData(
    bars.map((b) => ({ time: b.time as Time, open: b.open, high: b.high, low: b.low, close: b.close })),
  );
  volumes?.setData(bars.map(volumeBar));
  chart?.timeScale().fitContent();
  token = body.instrument_token;
  live = { last: bars.at(-1) };
  const el = $('chart');
  el.dataset.count = String(bars.length);
  el.dataset.last = barText(bars.at(-1));
  $('chart-note').textContent = body.complete_from
    ? `1-minute candles, complete from ${istHourMinute(Date.parse(body.complete_from) / 1000)} IST`
    : '1-minute candles from the next tick on';
}

/** Moves the last candle with the selected instrument's ticks. */
export function onChartTicks(ticks: readonly Tick[]): void {
  if (token === undefined) return;
  for (const t of ticks) {
    if (t.instrument_token === token) draw(applyTick(live, t.last_price, t.volume, serverNow()));
  }
}

/** The chart follows the selected row, and reloads after every market-status change. */
export function startChart(): void {
  store.subscribe((now, before) => {
    const statusChanged = !!now.market && !!before.market && now.market.status !== before.market.status;
    if (now.selected === before.selected && !statusChanged) return;
    $('chart-panel').hidden = !now.selected;
    $('chart-symbol').textContent = now.selected ?? '';
    if (!now.selected) {
      loading++;
      token = undefined;
      return;
    }
    if (!chart) create();
    void load(now.selected);
  });
}

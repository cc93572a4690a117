/**
 * The dashboard served at `/`: browser ES modules compiled by the project's tsc and copied to
 * dashboard/public/js/. They import the server's types only, and one dependency-free contract
 * (the compact tick decoder, copied to dashboard/public/contracts/), so no bundler is needed.
 */
import { startAdminPanel } from './admin-panel.js';
import { onChartTicks, startChart } from './chart.js';
import { startConnection } from './connection.js';
import { startSearch } from './search.js';
import { store } from './state.js';
import { startStatus } from './status.js';
import { addInstrument, onTicks, resubscribe, startWatchlist } from './watchlist.js';

startStatus();
startWatchlist();
startChart();
startSearch(addInstrument);
startAdminPanel();
startConnection({
  onConnect: resubscribe,
  onTicks: (ticks) => {
    onTicks(ticks);
    onChartTicks(ticks);
  },
  onMarketStatus: (m) => store.set({ market: m, clockOffset: Date.parse(m.server_time) - Date.now() }),
});

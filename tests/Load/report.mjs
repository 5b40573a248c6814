// Turns an Artillery JSON report into one self-contained HTML page (latency percentiles and throughput
// over time as inline SVG, nothing fetched; the totals; whether the gates held), the same two charts as
// an SVG file beside it (for Markdown), and a one-line JSON summary on stdout.
//   node report.mjs <report.json> <report.html> <passed|failed>
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const [input, output, gates = 'unknown'] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node report.mjs <report.json> <report.html> [passed|failed]');
  process.exit(2);
}

const report = JSON.parse(readFileSync(input, 'utf8'));
const aggregate = report.aggregate;
const periods = report.intermediate
  .filter((p) => p.summaries?.['http.response_time'])
  .map((p) => ({
    at: Number(p.period),
    seconds: Math.max(1, (p.lastMetricAt - p.firstMetricAt) / 1000),
    latency: p.summaries['http.response_time'],
    requests: p.counters['http.requests'] ?? 0,
    sessions: p.counters['vusers.created'] ?? 0,
    failed: (p.counters['shop.failed'] ?? 0) + (p.counters['vusers.failed'] ?? 0),
  }))
  .sort((a, b) => a.at - b.at);
if (periods.length === 0) {
  console.error(`${input} holds no HTTP responses`);
  process.exit(2);
}

const start = periods[0].at;
const counter = (name) => aggregate.counters[name] ?? 0;
const latency = aggregate.summaries['http.response_time'];
const sessionLength = aggregate.summaries['vusers.session_length'];
const requests = counter('shop.requests');
const failed = counter('shop.failed') + counter('vusers.failed');
const failureRate = requests > 0 ? failed / requests : 1;
const failures = Object.entries(aggregate.counters)
  .filter(([name]) => name.startsWith('shop.failed.') || name.startsWith('errors.'))
  .map(([name, count]) => `${name.replace('shop.failed.', 'HTTP ')}: ${count}`);
const seen = aggregate.summaries['shop.order_to_confirmed_seen'];
const busiest = Math.max(...periods.map((p) => p.sessions / p.seconds));

const summary = {
  requests,
  failed,
  failureRate,
  p50: latency.p50,
  p95: latency.p95,
  p99: latency.p99,
  max: latency.max,
  peakRequestsPerSecond: Math.max(...periods.map((p) => p.requests / p.seconds)),
  sessions: counter('vusers.created'),
  meanSessionSeconds: sessionLength ? sessionLength.mean / 1000 : 0,
  peakShoppers: sessionLength ? Math.round(busiest * sessionLength.mean / 1000) : 0,
  orders: {
    confirmed: counter('shop.orders.Confirmed'),
    cancelled: counter('shop.orders.Cancelled'),
    cancelledBecause: Object.fromEntries(Object.entries(aggregate.counters)
      .filter(([name]) => name.startsWith('shop.orders.Cancelled.'))
      .map(([name, count]) => [name.slice('shop.orders.Cancelled.'.length), count])),
    unfinished: counter('shop.orders.unfinished'),
    notPlaced: counter('shop.orders.NotPlaced'),
  },
  gates,
};

// One line chart: x = seconds since the start, one polyline per series, labelled axes; placed at offsetY
// when several share one SVG document.
const width = 900, height = 260;
function chart(title, unit, series, offsetY = 0) {
  const left = 60, right = 150, top = 30, bottom = 40;
  const xs = periods.map((p) => (p.at - start) / 1000);
  const xMax = Math.max(10, ...xs);
  const yMax = Math.max(1, ...series.flatMap((s) => s.values)) * 1.1;
  const x = (v) => left + (v / xMax) * (width - left - right);
  const y = (v) => top + (1 - v / yMax) * (height - top - bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const lines = series.map((s, i) => {
    const points = s.values.map((v, j) => `${x(xs[j]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const legend = top + 15 + i * 18;
    return `<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points}"/>`
      + `<rect x="${width - right + 15}" y="${legend - 9}" width="12" height="3" fill="${s.colour}"/>`
      + `<text x="${width - right + 32}" y="${legend}">${s.name}</text>`;
  }).join('');
  const grid = ticks.map((t) => `<line x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`
    + `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${Math.round(t)}</text>`).join('');
  return `<svg role="img" aria-label="${title}" y="${offsetY}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="12" font-family="sans-serif">`
    + `<text x="${left}" y="14" font-weight="bold">${title}</text>`
    + grid
    + `<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#888"/>`
    + `<text x="${left}" y="${height - 10}">0 s</text><text x="${width - right}" y="${height - 10}" text-anchor="end">${Math.round(xMax)} s</text>`
    + `<text x="12" y="${top - 10}">${unit}</text>`
    + lines + '</svg>';
}

const latencySeries = ['Response time (every request, per period)', 'ms', [
  { name: 'p50', colour: '#2b8a3e', values: periods.map((p) => p.latency.p50) },
  { name: 'p95', colour: '#e67700', values: periods.map((p) => p.latency.p95) },
  { name: 'p99', colour: '#c92a2a', values: periods.map((p) => p.latency.p99) },
]];
const throughputSeries = ['Throughput (per second, per period)', 'per s', [
  { name: 'requests', colour: '#1864ab', values: periods.map((p) => p.requests / p.seconds) },
  { name: 'sessions started', colour: '#862e9c', values: periods.map((p) => p.sessions / p.seconds) },
  { name: 'failed', colour: '#c92a2a', values: periods.map((p) => p.failed / p.seconds) },
]];
const latencyChart = chart(...latencySeries);
const throughputChart = chart(...throughputSeries);
writeFileSync(output.replace(/\.html$/, '') + '.svg',
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${2 * height}" width="${width}" height="${2 * height}">`
  + `<rect width="100%" height="100%" fill="white"/>${chart(...latencySeries)}${chart(...throughputSeries, height)}</svg>\n`);

const row = (name, value) => `<tr><th scope="row">${name}</th><td>${value}</td></tr>`;
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load run: ${basename(input)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}th,td{padding:.2rem .8rem;text-align:left;border-bottom:1px solid #eee}figure{margin:1.5rem 0}figcaption{font-weight:600}</style>
</head><body><main>
<h1>Load run: ${basename(input)}</h1>
<p>Gates of this profile (shop.yml, <code>ensure</code>): <strong>${gates}</strong>.</p>
<figure>${latencyChart}</figure>
<figure>${throughputChart}</figure>
<table><caption>Totals</caption><tbody>
${row('requests', requests)}
${row('failed', `${failed} (${(failureRate * 100).toFixed(2)} %)${failures.length ? `: ${failures.join(', ')}` : ''}`)}
${row('response time', `p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms, max ${summary.max} ms`)}
${row('peak throughput', `${summary.peakRequestsPerSecond.toFixed(1)} requests/s`)}
${row('sessions', `${summary.sessions}, ${summary.meanSessionSeconds.toFixed(1)} s on average; about ${summary.peakShoppers} shoppers at once at the peak`)}
${row('orders', `${summary.orders.confirmed} Confirmed, ${summary.orders.cancelled} Cancelled${Object.keys(summary.orders.cancelledBecause).length ? ` (${Object.entries(summary.orders.cancelledBecause).map(([reason, count]) => `${reason} ${count}`).join(', ')})` : ''}, ${summary.orders.unfinished} not finished within 30 s, ${summary.orders.notPlaced} not placed`)}
${seen ? row('order placed to Confirmed, as the shopper saw it (polled every 0.5 s)', `p50 ${seen.p50} ms, p95 ${seen.p95} ms`) : ''}
</tbody></table>
</main></body></html>
`;
writeFileSync(output, html);
console.log(JSON.stringify(summary));

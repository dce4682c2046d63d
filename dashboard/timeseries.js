/* Perfwatch dashboard: time series from the query API as chart series, and the deploy markers
 * drawn on every time chart. */
import { api } from './api.js';
import { render } from './chart.js';
import { current } from './router.js';

export function seriesName(tags, fallback) {
  var keys = Object.keys(tags || {}).sort();
  if (!keys.length) return fallback;
  return keys.map(function (k) { return k + '=' + tags[k]; }).join(', ');
}

export function toChartSeries(res, fallback) {
  return (res.series || []).map(function (s) {
    return { name: seriesName(s.tags, fallback), points: s.points || [], tags: s.tags || {} };
  });
}

// Deploy markers of the window (one service, or all) for time charts; [] when the API fails, since
// the charts stand on their own. GET /api/v1/deployments.
export function deployMarkers(w, service) {
  var q = [['from', w.from], ['to', w.to]];
  if (service) q.push(['service', service]);
  return api('/api/v1/deployments', q).then(function (res) {
    return (res.deployments || []).map(function (d) {
      return { t: d.time, label: 'deploy ' + d.service + ' ' + d.version, kind: 'deploy' };
    });
  }, function () { return []; });
}

// Renders at once, then again with the deploy markers once they arrive (never holding the data back).
export function renderWithMarkers(ctx, el, series, opts, marks) {
  var drawn = render(el, series, opts);
  marks.then(function (m) {
    if (m.length && el.isConnected && current(ctx)) { opts.markers = m; render(el, series, opts); }
  });
  return drawn;
}

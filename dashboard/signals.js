/* Perfwatch dashboard: trend, anomaly and bottleneck signals on existing pages.
 *   Routes page  — a trend badge in each row's p95 cell: arrow (significant Theil–Sen slope up
 *                  or down, else flat) and the change against the previous period of equal length.
 *   Route detail — "Where the time goes": critical-path time by category (database, HTTP, cache,
 *                  own code) over the route's slowest traces as one stacked bar, the top
 *                  operations, and the slowest trace's critical path.
 *   Issues page  — names of the trend, anomaly, bottleneck, parallelizable and cache hit ratio
 *                  types in the list and the type filter (anomalies show expected vs actual in
 *                  their title and evidence).
 * Loaded after app.js and issues.js (helpers through window.PW); wraps the routes and route
 * pages' refresh. API: GET /api/v1/trends, GET /api/v1/routes/bottlenecks. */
(function () {
  'use strict';

  var P = window.PW, $ = P.$, esc = P.esc, api = P.api, state = P.state, isNum = P.isNum;
  var CATEGORY = {
    database: ['Database', '#2563eb'], http: ['Outbound HTTP', '#9333ea'], cache: ['Cache', '#0891b2'], self: ['Own code', '#94a3b8']
  };
  var NEW_TYPES = {
    trend: 'Trend', anomaly: 'Anomaly', bottleneck: 'Bottleneck', parallelizable: 'Sequential calls', cache_hit_ratio: 'Cache hit ratio'
  };

  // ---- issue types ------------------------------------------------------------------
  if (P.issueTypes) Object.keys(NEW_TYPES).forEach(function (k) { P.issueTypes[k] = NEW_TYPES[k]; });
  var select = $('issues-type');
  if (select) {
    Object.keys(NEW_TYPES).forEach(function (k) {
      if (select.querySelector('option[value="' + k + '"]')) return;
      var o = document.createElement('option');
      o.value = k;
      o.textContent = NEW_TYPES[k];
      select.appendChild(o);
    });
  }

  // ---- routes page: trend badges ------------------------------------------------------
  var routes = P.pages.routes, trends = {};
  function badge(t) {
    var dir = t.direction || 'flat', arrow = dir === 'up' ? '↑' : dir === 'down' ? '↓' : '→';
    var change = isNum(t.changePct) ? (t.changePct > 0 ? '+' : '') + Math.round(t.changePct) + '%' : '';
    var title = 'p95 slope ' + (isNum(t.slopePerHour) ? (Math.round(t.slopePerHour * 10) / 10) + ' ms/h' : 'n/a') +
      (change ? '; ' + change + ' vs the previous period' : '') +
      (isNum(t.forecastCrossing) && dir === 'up' ? '; reaches the SLO threshold ' + P.fmtWhen(t.forecastCrossing) : '');
    return '<span class="trend-badge trend-' + dir + '" data-trend="' + dir + '" title="' + esc(title) + '">' + arrow +
      (change ? ' ' + esc(change) : '') + '</span>';
  }
  function decorateRoutes() {
    var rows = $('routes-table').querySelectorAll('tbody tr.route-row');
    rows.forEach(function (tr) {
      var t = trends[tr.getAttribute('data-service') + '\u0001' + tr.getAttribute('data-route')];
      var cell = tr.children[5];
      if (!t || !cell || cell.querySelector('.trend-badge')) return;
      cell.insertAdjacentHTML('beforeend', ' ' + badge(t));
    });
  }
  var routesRender = routes.render;
  routes.render = function () { routesRender.apply(this, arguments); decorateRoutes(); };
  var routesRefresh = routes.refresh;
  routes.refresh = function (ctx) {
    var w = P.timeWindow();
    var t = api('/api/v1/trends', [['metric', 'p95'], ['from', w.from], ['to', w.to]]).then(function (res) {
      var map = {};
      (res.trends || []).forEach(function (x) { map[x.service + '\u0001' + x.route] = x; });
      return map;
    }, function (e) { ctx.errors.push(P.errorText('Trends', e)); return {}; });
    return Promise.all([routesRefresh.call(this, ctx), t]).then(function (r) {
      if (ctx.seq !== state.seq) return;
      trends = r[1];
      decorateRoutes();
    });
  };

  // ---- route detail: where the time goes ----------------------------------------------
  var stats = $('route-stats');
  if (stats && !$('route-bottleneck-card')) {
    stats.insertAdjacentHTML('afterend',
      '<div id="route-bottleneck-card" class="card"><h2>Where the time goes <small>critical path over the slowest traces</small></h2>' +
      '<div id="route-bottleneck"><div class="muted">Loading…</div></div></div>');
  }
  function bottleneckHtml(b) {
    if (!b.traces || !b.breakdown || !b.breakdown.length) return '<div class="muted">No traces for this route in this time range</div>';
    var parts = b.breakdown.filter(function (s) { return s.share > 0.001; });
    var bar = '<div class="bn-bar" role="img" aria-label="' + esc(parts.map(function (s) {
      return CATEGORY[s.category][0] + ' ' + Math.round(s.share * 100) + '%';
    }).join(', ')) + '">' + parts.map(function (s) {
      var c = CATEGORY[s.category] || [s.category, '#999'];
      return '<span class="bn-seg" data-category="' + esc(s.category) + '" style="width:' + (s.share * 100).toFixed(2) + '%;background:' + c[1] +
        '" title="' + esc(c[0] + ': ' + P.fmtMs(s.ms) + ' (' + Math.round(s.share * 100) + '%)') + '"></span>';
    }).join('') + '</div>';
    var legend = '<div class="bn-legend">' + parts.map(function (s) {
      var c = CATEGORY[s.category] || [s.category, '#999'];
      return '<span class="bn-key" data-category="' + esc(s.category) + '"><i style="background:' + c[1] + '"></i>' + esc(c[0]) + ' <b>' +
        Math.round(s.share * 100) + '%</b> · ' + esc(P.fmtMs(s.ms)) + '</span>';
    }).join('') + '</div>';
    var ops = '<table class="kv bn-ops"><tbody>' + (b.topOperations || []).map(function (o) {
      return '<tr data-category="' + esc(o.category) + '"><th>' + esc(o.name) + '</th><td>' + esc(P.fmtMs(o.ms)) + ' per request</td></tr>';
    }).join('') + '</tbody></table>';
    var path = b.criticalPath ? '<p class="muted bn-path">Critical path of the slowest trace (<a href="' +
      esc(P.pageLink('trace/' + encodeURIComponent(b.criticalPath.traceId))) + '">' + esc(b.criticalPath.traceId.slice(0, 12)) + '…</a>): ' +
      b.criticalPath.segments.filter(function (s) { return s.ms >= 0.5; }).map(function (s) {
        return esc(s.name) + ' ' + esc(P.fmtMs(s.ms));
      }).join(' → ') + '</p>' : '';
    var cache = b.cache && isNum(b.cache.hitRatio) ? '<p class="muted bn-cache">Cache hit ratio ' + Math.round(b.cache.hitRatio * 100) + '% (' +
      b.cache.hits + ' hits, ' + b.cache.misses + ' misses)</p>' : '';
    return '<p class="muted">' + b.traces + ' slowest traces, mean ' + esc(P.fmtMs(b.meanMs)) + '</p>' + bar + legend + ops + path + cache;
  }
  var route = P.pages.route, routeRefresh = route.refresh;
  route.refresh = function (ctx) {
    var p = state.params, w = P.timeWindow(90);
    var pairs = [['route', p.get('route') || ''], ['service', p.get('service') || ''], ['from', w.from], ['to', w.to]];
    var box = $('route-bottleneck');
    var b = p.get('route') ? api('/api/v1/routes/bottlenecks', pairs).then(function (res) {
      if (ctx.seq === state.seq) box.innerHTML = bottleneckHtml(res);
    }, function (e) {
      ctx.errors.push(P.errorText('Bottlenecks', e));
      if (ctx.seq === state.seq) box.innerHTML = '<div class="muted">Failed to load</div>';
    }) : Promise.resolve(box.innerHTML = '<div class="muted">No route selected</div>');
    return Promise.all([routeRefresh.call(this, ctx), b]);
  };
})();

/* Perfwatch dashboard app: hash routing, data loading, live refresh.
 * Pages register in PAGES (pages in other files through window.PW.pages, e.g.
 * vitals.js, loadtests.js, issues.js, alerts.js); later pages slot in by adding an entry and a
 * <section id="page-NAME">. PW.onRefresh(fn) runs fn(ctx) with every refresh (e.g. the nav's alert badge). A hash is
 * #/PAGE[/ARG][?params]; ARG is e.g. the trace id of #/trace/ID. */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var STATS = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'avg', 'min', 'max', 'count', 'sum', 'rate', 'last'];
  var RANGES = { '15m': 15 * 60e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 };
  // Multiples of the server's rollup resolutions (10s, 1m, 1h) so buckets never alias.
  var STEPS = [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]; // seconds
  var MAX_POINTS = 300;
  var SOON = {};
  // Detail pages highlight their list page in the nav.
  var NAV_PARENT = { route: 'routes', trace: 'traces' };

  var state = {
    page: 'overview',
    arg: '',
    params: new URLSearchParams(),
    catalog: null,
    autoRefresh: true,
    seq: 0,
    inFlight: false,
    pending: false,
    lastRefresh: 0,
    timer: null
  };

  // ---- helpers ------------------------------------------------------------

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // Query-string builder that keeps hashes readable (/ , = : stay literal).
  function qs(pairs) {
    return pairs.filter(function (p) { return p[1] !== undefined && p[1] !== null && p[1] !== ''; })
      .map(function (p) {
        return encodeURIComponent(p[0]) + '=' + encodeURIComponent(p[1])
          .replace(/%2F/gi, '/').replace(/%2C/gi, ',').replace(/%3D/gi, '=').replace(/%3A/gi, ':');
      }).join('&');
  }

  function ApiError(status, code, message) {
    this.status = status; this.code = code; this.message = message;
  }

  function api(path, pairs) {
    var url = path + (pairs && pairs.length ? '?' + qs(pairs) : '');
    return fetch(url, { headers: { Accept: 'application/json' } }).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
        if (!res.ok) {
          var err = body && body.error;
          throw new ApiError(res.status, (err && err.code) || 'http_' + res.status,
            (err && err.message) || (text.slice(0, 200) || res.statusText || 'request failed'));
        }
        if (body === null) throw new ApiError(res.status, 'bad_response', 'invalid JSON from ' + path);
        return body;
      });
    }, function (e) {
      throw new ApiError(0, 'network', 'cannot reach the server (' + (e && e.message || e) + ')');
    });
  }

  function errorText(context, e) {
    if (e instanceof ApiError) return context + ': ' + e.message + ' (' + e.code + (e.status ? ', HTTP ' + e.status : '') + ')';
    return context + ': ' + (e && e.message || e);
  }

  function showErrors(list) {
    var banner = $('error-banner');
    if (!list.length) { banner.hidden = true; $('error-text').textContent = ''; return; }
    $('error-text').textContent = list.join('\n');
    banner.hidden = false;
  }

  function curlExample() {
    var body = JSON.stringify({ metrics: [{ name: 'api.request.duration', kind: 'timing', value: 123.4, unit: 'ms', tags: { route: '/home' } }] });
    return "curl -X POST " + location.origin + "/api/v1/metrics \\\n  -H 'Content-Type: application/json' \\\n  -d '" + body + "'";
  }

  // ---- time range -----------------------------------------------------------

  function stepFor(rangeMs, maxPoints) {
    var raw = Math.max(10e3, rangeMs / (maxPoints || MAX_POINTS));
    for (var i = 0; i < STEPS.length; i++) if (STEPS[i] * 1000 >= raw) return STEPS[i];
    return Math.ceil(raw / 86400e3) * 86400;
  }

  function durString(sec) {
    if (sec % 3600 === 0) return sec / 3600 + 'h';
    if (sec % 60 === 0) return sec / 60 + 'm';
    return sec + 's';
  }

  function toLocalInput(ms) {
    var d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
    return d.toISOString().slice(0, 16);
  }

  function timeWindow(maxPoints) {
    var p = state.params, range = p.get('range') || '1h', from, to;
    if (range === 'custom') {
      to = +p.get('to') || Date.now();
      from = +p.get('from') || to - 3600e3;
      if (from >= to) from = to - 60e3;
    } else {
      to = Date.now();
      from = to - (RANGES[range] || RANGES['1h']);
    }
    var step = stepFor(to - from, maxPoints);
    return { from: from, to: to, stepSec: step, step: durString(step) };
  }

  function syncRangeControls() {
    var p = state.params, range = p.get('range') || '1h';
    if (range !== 'custom' && !RANGES[range]) range = '1h';
    $('range-select').value = range;
    $('custom-range').hidden = range !== 'custom';
    if (range === 'custom') {
      var w = timeWindow();
      $('range-from').value = toLocalInput(w.from);
      $('range-to').value = toLocalInput(w.to);
    }
  }

  // ---- routing ----------------------------------------------------------------

  function parseHash() {
    var h = location.hash.replace(/^#\/?/, ''), q = h.indexOf('?');
    var path = q >= 0 ? h.slice(0, q) : h, slash = path.indexOf('/');
    var page = (slash >= 0 ? path.slice(0, slash) : path) || 'overview', arg = slash >= 0 ? path.slice(slash + 1) : '';
    try { arg = decodeURIComponent(arg); } catch (e) { /* keep it raw */ }
    state.params = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
    if (!PAGES[page] && !SOON[page]) { page = 'overview'; arg = ''; }
    state.page = page;
    state.arg = arg;
  }

  function writeHash() {
    var pairs = [];
    state.params.forEach(function (v, k) { pairs.push([k, v]); });
    var s = qs(pairs);
    history.replaceState(null, '', '#/' + state.page + (state.arg ? '/' + encodeURIComponent(state.arg) : '') + (s ? '?' + s : ''));
    syncNav();
  }

  function setParam(key, values) {
    state.params.delete(key);
    [].concat(values).forEach(function (v) { if (v !== '' && v != null) state.params.append(key, v); });
  }

  function syncNav() {
    var keep = [];
    ['range', 'from', 'to'].forEach(function (k) { if (state.params.get(k)) keep.push([k, state.params.get(k)]); });
    var suffix = keep.length ? '?' + qs(keep) : '';
    document.querySelectorAll('.nav-link[data-page]').forEach(function (a) {
      var pg = a.getAttribute('data-page');
      a.classList.toggle('active', pg === state.page || pg === NAV_PARENT[state.page]);
      if (a.tagName === 'A') a.setAttribute('href', '#/' + pg + suffix);
    });
  }

  function onRoute() {
    parseHash();
    syncNav();
    syncRangeControls();
    document.querySelectorAll('main > .page').forEach(function (s) { s.hidden = true; });
    if (SOON[state.page]) {
      $('page-soon').hidden = false;
      $('soon-title').textContent = SOON[state.page] + ' — coming soon';
      showErrors([]);
      return;
    }
    $('page-' + state.page).hidden = false;
    if (PAGES[state.page].enter) PAGES[state.page].enter();
    refresh();
  }

  // ---- refresh scheduling -------------------------------------------------------

  function refresh() {
    var page = PAGES[state.page];
    if (!page) return;
    var ctx = { seq: ++state.seq, errors: [] };
    refreshHooks.forEach(function (fn) { try { fn(ctx); } catch (e) { if (window.console) console.error(e); } });
    state.inFlight = true;
    state.lastRefresh = Date.now();
    Promise.resolve().then(function () { return page.refresh(ctx); }).catch(function (e) {
      ctx.errors.push(errorText('Dashboard error', e));
      if (window.console) console.error(e);
    }).then(function () {
      if (ctx.seq !== state.seq) return;
      state.inFlight = false;
      showErrors(ctx.errors);
      if (state.pending) { state.pending = false; scheduleRefresh(); }
    });
  }

  var refreshHooks = [];

  // Live refreshes: at most one per second, never two in flight.
  function scheduleRefresh() {
    if (state.timer) return;
    var wait = Math.max(0, state.lastRefresh + 1000 - Date.now());
    state.timer = setTimeout(function () {
      state.timer = null;
      if (state.inFlight) { state.pending = true; return; }
      refresh();
    }, wait);
  }

  // ---- live stream ------------------------------------------------------------------

  function setLive(s) {
    var el = $('live-indicator');
    el.setAttribute('data-state', s);
    el.querySelector('.live-text').textContent = s === 'live' ? 'Live' : s === 'offline' ? 'Offline' : 'Connecting…';
    el.title = s === 'live' ? 'Connected to /api/v1/events' : 'Not connected to /api/v1/events; retrying';
  }

  function connectEvents() {
    if (typeof EventSource === 'undefined') { setLive('offline'); return; }
    setLive('connecting');
    var es = new EventSource('/api/v1/events');
    es.onopen = function () { setLive('live'); };
    es.addEventListener('ingest', function () {
      setLive('live');
      if (state.autoRefresh) scheduleRefresh();
    });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) {
        setLive('offline');
        setTimeout(connectEvents, 5000);
      } else {
        setLive('connecting');
      }
    };
  }

  // ---- overview page ------------------------------------------------------------------

  function renderTiles(tiles) {
    var box = $('overview-tiles');
    if (!tiles.length) { box.innerHTML = '<div class="muted">The server reported no health tiles.</div>'; return; }
    box.innerHTML = tiles.map(function (t) {
      var status = ['ok', 'warn', 'crit'].indexOf(t.status) >= 0 ? t.status : 'unknown';
      return '<div class="tile status-' + status + '" data-tile-id="' + esc(t.id) + '">' +
        '<div class="tile-label">' + esc(t.label || t.id) + '</div>' +
        '<div class="tile-value">' + esc(PerfChart.formatValue(t.value, t.unit)) + '</div>' +
        '<div class="tile-status">' + esc(status === 'crit' ? 'critical' : status) + '</div></div>';
    }).join('');
  }

  function seriesName(tags, fallback) {
    var keys = Object.keys(tags || {}).sort();
    if (!keys.length) return fallback;
    return keys.map(function (k) { return k + '=' + tags[k]; }).join(', ');
  }

  function toChartSeries(res, fallback) {
    return (res.series || []).map(function (s) {
      return { name: seriesName(s.tags, fallback), points: s.points || [], tags: s.tags || {} };
    });
  }

  // Deploy markers of the window (one service, or all) for time charts; [] when the API fails, since
  // the charts stand on their own. GET /api/v1/deployments.
  function deployMarkers(w, service) {
    var q = [['from', w.from], ['to', w.to]];
    if (service) q.push(['service', service]);
    return api('/api/v1/deployments', q).then(function (res) {
      return (res.deployments || []).map(function (d) {
        return { t: d.time, label: 'deploy ' + d.service + ' ' + d.version, kind: 'deploy' };
      });
    }, function () { return []; });
  }

  // Renders at once, then again with the deploy markers once they arrive (never holding the data back).
  function renderWithMarkers(ctx, el, series, opts, marks) {
    var drawn = PerfChart.render(el, series, opts);
    marks.then(function (m) {
      if (m.length && ctx.seq === state.seq) { opts.markers = m; PerfChart.render(el, series, opts); }
    });
    return drawn;
  }

  function overviewChart(ctx, w, el, metric, unit, marks) {
    return api('/api/v1/query', [['metric', metric], ['stat', 'last'], ['from', w.from], ['to', w.to], ['step', w.step]])
      .then(function (res) {
        if (ctx.seq !== state.seq) return;
        var series = toChartSeries(res, metric);
        renderWithMarkers(ctx, el, series, {
          unit: unit, from: w.from, to: w.to, step: w.stepSec * 1000, height: 200, legend: series.length > 1,
          emptyText: 'No data yet: host metrics are recorded every 10 s'
        }, marks);
      }, function (e) {
        ctx.errors.push(errorText('Query ' + metric, e));
        if (ctx.seq === state.seq) PerfChart.render(el, [], { unit: unit, from: w.from, to: w.to, height: 200, emptyText: 'Query failed' });
      });
  }

  var overviewPage = {
    refresh: function (ctx) {
      var w = timeWindow(), marks = deployMarkers(w, '');
      var tiles = api('/api/v1/overview').then(function (res) {
        if (ctx.seq === state.seq) renderTiles(res.tiles || []);
      }, function (e) {
        ctx.errors.push(errorText('Overview', e));
        if (ctx.seq === state.seq) $('overview-tiles').innerHTML = '<div class="muted">Health tiles unavailable.</div>';
      });
      return Promise.all([
        tiles,
        overviewChart(ctx, w, $('overview-cpu-chart'), 'system.cpu.percent', '%', marks),
        overviewChart(ctx, w, $('overview-rss-chart'), 'process.memory.rss_bytes', 'bytes', marks)
      ]);
    }
  };

  // ---- explore page ---------------------------------------------------------------------

  function defaultStat(kind) {
    return kind === 'counter' ? 'rate' : kind === 'gauge' ? 'last' : 'p95';
  }

  function statUnit(stat, meta) {
    var unit = (meta && meta.unit) || '';
    if (stat === 'count') return '';
    if (stat === 'rate') return meta && meta.kind === 'counter' && unit ? unit + '/s' : '/s';
    return unit;
  }

  function parseWhere(text) {
    var out = [], bad = [];
    text.split(',').forEach(function (part) {
      part = part.trim();
      if (!part) return;
      var m = /^([^=!\s][^=!]*?)\s*(!=|=)\s*(.*)$/.exec(part);
      if (!m || m[3] === '') bad.push(part); else out.push(m[1].trim() + m[2] + m[3].trim());
    });
    return { where: out, bad: bad };
  }

  function findMetric(name) {
    var list = (state.catalog && state.catalog.metrics) || [];
    for (var i = 0; i < list.length; i++) if (list[i].name === name) return list[i];
    return null;
  }

  function pickDefaultMetric() {
    var list = (state.catalog && state.catalog.metrics) || [];
    var own = list.filter(function (m) { return !/^(system|process|perfwatch)\./.test(m.name); });
    return (own[0] || list[0] || {}).name || '';
  }

  function fillSelect(sel, values, current, labels) {
    var want = values.slice();
    if (current && want.indexOf(current) < 0) want.unshift(current);
    var sig = want.join('\u0001');
    if (sel.__sig !== sig) {
      sel.innerHTML = want.map(function (v) {
        return '<option value="' + esc(v) + '">' + esc(labels && labels[v] || v) + '</option>';
      }).join('');
      sel.__sig = sig;
    }
    sel.value = current;
  }

  function explorerSelection() {
    var p = state.params;
    var metric = p.get('metric') || pickDefaultMetric();
    var m = findMetric(metric);
    var by = [];
    p.getAll('by').forEach(function (v) { v.split(',').forEach(function (k) { k = k.trim(); if (k && by.indexOf(k) < 0) by.push(k); }); });
    return { metric: metric, meta: m, stat: p.get('stat') || defaultStat(m && m.kind), by: by, where: p.getAll('where') };
  }

  function syncExploreControls(sel) {
    var metrics = ((state.catalog && state.catalog.metrics) || []).map(function (m) { return m.name; }).sort();
    var labels = {};
    ((state.catalog && state.catalog.metrics) || []).forEach(function (m) {
      labels[m.name] = m.name + (m.unit ? ' (' + m.unit + ')' : '');
    });
    fillSelect($('explore-metric'), metrics, sel.metric, labels);
    fillSelect($('explore-stat'), STATS, sel.stat);
    var keys = Object.keys((sel.meta && sel.meta.tags) || {}).sort();
    sel.by.forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
    var box = $('explore-by'), sig = keys.join('\u0001') + '|' + sel.by.join('\u0001');
    if (box.__sig !== sig) {
      box.innerHTML = '<legend>Group by</legend>' + (keys.length ? keys.map(function (k) {
        return '<label><input type="checkbox" value="' + esc(k) + '"' + (sel.by.indexOf(k) >= 0 ? ' checked' : '') +
          '>' + esc(k) + '</label>';
      }).join('') : '<span class="none muted">no tags</span>');
      box.__sig = sig;
    }
    var whereInput = $('explore-where');
    if (document.activeElement !== whereInput) whereInput.value = sel.where.join(', ');
  }

  function readExploreControls(changed) {
    var metric = $('explore-metric').value, p = state.params;
    var prev = findMetric(p.get('metric') || pickDefaultMetric()), next = findMetric(metric);
    p.set('metric', metric);
    if (changed === 'metric') {
      // Tag keys differ between metrics; the stat carries over when the kind does.
      if (!prev || !next || prev.kind !== next.kind) p.set('stat', defaultStat(next && next.kind));
      else p.set('stat', $('explore-stat').value);
      setParam('by', []);
    } else {
      p.set('stat', $('explore-stat').value);
      var by = [];
      $('explore-by').querySelectorAll('input:checked').forEach(function (c) { by.push(c.value); });
      setParam('by', by.length ? [by.join(',')] : []);
    }
    var parsed = parseWhere($('explore-where').value);
    if (parsed.bad.length) {
      showErrors(['Filter: cannot parse ' + parsed.bad.map(function (b) { return '"' + b + '"'; }).join(', ') +
        ' (use tag=value or tag!=value, separated by commas)']);
      return false;
    }
    setParam('where', parsed.where);
    writeHash();
    return true;
  }

  function renderTable(series, unit) {
    var tbody = $('series-table').querySelector('tbody');
    if (!series.length) {
      tbody.innerHTML = '<tr class="empty-row"><td colspan="6">No series</td></tr>';
      return;
    }
    tbody.innerHTML = series.map(function (s, i) {
      var vals = s.points.map(function (p) { return p[1]; }).filter(function (v) { return v !== null && isFinite(v); });
      var min = Math.min.apply(null, vals), max = Math.max.apply(null, vals);
      var sum = vals.reduce(function (a, b) { return a + b; }, 0);
      var f = function (v) { return esc(vals.length ? PerfChart.formatValue(v, unit) : '—'); };
      return '<tr data-series="' + esc(s.name) + '"><td><span class="pc-swatch" style="background:' + PerfChart.color(i) +
        '"></span> ' + esc(s.name) + '</td><td>' + f(vals[vals.length - 1]) + '</td><td>' + f(min) + '</td><td>' + f(max) +
        '</td><td>' + f(sum / vals.length) + '</td><td>' + vals.length + '</td></tr>';
    }).join('');
  }

  function showExploreEmpty(html) {
    var el = $('explore-empty');
    el.hidden = !html;
    el.innerHTML = html || '';
  }

  var explorePage = {
    enter: function () {},
    refresh: function (ctx) {
      return api('/api/v1/metrics').then(function (cat) {
        state.catalog = cat;
      }, function (e) {
        ctx.errors.push(errorText('Metric catalog', e));
      }).then(function () {
        if (ctx.seq !== state.seq) return;
        var sel = explorerSelection();
        syncExploreControls(sel);
        var chartEl = $('explore-chart');
        if (!sel.metric) {
          PerfChart.render(chartEl, [], { emptyText: 'No metrics yet' });
          renderTable([], '');
          $('explore-title').textContent = 'No metrics yet';
          showExploreEmpty('<p>No metrics have been received yet. Send one:</p><pre>' + esc(curlExample()) + '</pre>');
          return;
        }
        if (!state.params.get('metric')) {
          // Make the defaults visible in the URL so the link is shareable.
          state.params.set('metric', sel.metric);
          if (!state.params.get('stat')) state.params.set('stat', sel.stat);
          writeHash();
        }
        var w = timeWindow(), unit = statUnit(sel.stat, sel.meta);
        $('explore-title').textContent = sel.stat + '(' + sel.metric + ')' + (sel.by.length ? ' by ' + sel.by.join(', ') : '');
        var pairs = [['metric', sel.metric], ['stat', sel.stat], ['from', w.from], ['to', w.to], ['step', w.step]];
        if (sel.by.length) pairs.push(['by', sel.by.join(',')]);
        sel.where.forEach(function (x) { pairs.push(['where', x]); });
        return api('/api/v1/query', pairs).then(function (res) {
          if (ctx.seq !== state.seq) return;
          if (!sel.meta && res.unit) unit = statUnit(sel.stat, { unit: res.unit, kind: res.kind });
          var series = toChartSeries(res, sel.metric);
          var r = renderWithMarkers(ctx, chartEl, series, {
            unit: unit, from: w.from, to: w.to, step: (res.step || w.stepSec * 1000), height: 320,
            emptyText: 'No data for ' + sel.metric + ' in this time range'
          }, deployMarkers(w, ''));
          renderTable(series, unit);
          $('explore-meta').textContent = series.length + ' series · ' + r.pointCount +
            (r.pointCount === 1 ? ' point' : ' points') + ' · step ' +
            w.step + (res.resolution ? ' · ' + res.resolution + ' resolution' : '');
          showExploreEmpty(r.pointCount ? '' : '<p>No data for <code>' + esc(sel.metric) +
            '</code> in this range. Pick a wider range, remove filters, or send some data:</p><pre>' +
            esc(curlExample()) + '</pre>');
        }, function (e) {
          ctx.errors.push(errorText('Query failed', e));
          if (ctx.seq !== state.seq) return;
          PerfChart.render(chartEl, [], { unit: unit, from: w.from, to: w.to, height: 320, emptyText: 'Query failed: see the error above' });
          renderTable([], unit);
          $('explore-meta').textContent = '';
          showExploreEmpty('');
        });
      });
    }
  };

  // ---- shared helpers for the routes / traces / database pages ----

  var LATENCY_COLORS = { p50: '#16a34a', p95: '#2563eb', p99: '#dc2626' };

  function rangePairs() {
    var out = [];
    ['range', 'from', 'to'].forEach(function (k) { if (state.params.get(k)) out.push([k, state.params.get(k)]); });
    return out;
  }

  // Links keep the selected time range.
  function pageLink(page, pairs) {
    var s = qs((pairs || []).concat(rangePairs()));
    return '#/' + page + (s ? '?' + s : '');
  }
  function routeLink(service, route) { return pageLink('route', [['service', service], ['route', route]]); }
  function traceLink(id) { return pageLink('trace/' + encodeURIComponent(id)); }

  function isNum(v) { return v !== null && v !== undefined && v !== '' && isFinite(v); }
  function fmtMs(v) { return isNum(v) ? PerfChart.formatValue(+v, 'ms') : '—'; }
  function fmtInt(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : '—'; }
  function fmtPct(f) {
    if (!isNum(f)) return '—';
    var p = f * 100;
    return (p === 0 ? '0' : p < 0.1 ? '<0.1' : p < 10 ? +p.toFixed(2) : +p.toFixed(1)) + '%';
  }
  // The API rounds rps to 0.001; recompute so quiet routes do not show 0/s.
  function withRps(res) {
    var sec = (res.to - res.from) / 1000, list = res.routes || [];
    list.forEach(function (r) { if (sec > 0 && isNum(r.requests)) r.rps = r.requests / sec; });
    return list;
  }
  function fmtRps(v) {
    if (!isNum(v)) return '—';
    return String(v >= 100 ? Math.round(v) : v >= 1 ? +v.toFixed(2) : +v.toPrecision(2)) + '/s';
  }
  function fmtWhen(ms) {
    return PerfChart.formatTime(ms, new Date(ms).toDateString() !== new Date().toDateString());
  }

  // Stable colour per service name within a page; no reds, those mark errors.
  var SERVICE_COLORS = ['#2563eb', '#0891b2', '#7c3aed', '#16a34a', '#d97706', '#4f46e5', '#0d9488', '#65a30d', '#9333ea', '#0284c7'];
  function serviceColors(names) {
    var map = {};
    names.slice().sort().forEach(function (n, i) {
      if (!(n in map)) map[n] = SERVICE_COLORS[i] || 'hsl(' + (200 + (i * 47) % 140) + ',55%,45%)';
    });
    return map;
  }

  function otlpHelp(what) {
    return '<p>' + what + ' Point any OpenTelemetry SDK at this server (OTLP over HTTP, protobuf or JSON):</p>' +
      '<pre>OTEL_EXPORTER_OTLP_ENDPOINT=' + esc(location.origin) + '\nOTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\n' +
      'OTEL_SERVICE_NAME=my-service</pre><p>or send a sample workload (a small web app with a database):</p>' +
      '<pre>perfwatch demo --server ' + esc(location.origin) + '</pre>';
  }

  function showEmpty(id, html) {
    var el = $(id);
    el.hidden = !html;
    el.innerHTML = html || '';
  }

  // Sorting: the hash keeps sort=KEY (ascending) or sort=-KEY (descending).
  function sortSpec(def) {
    var s = state.params.get('sort') || def, desc = s.charAt(0) === '-';
    return { key: desc ? s.slice(1) : s, desc: desc };
  }

  function sortList(list, spec) {
    var k = spec.key, m = spec.desc ? -1 : 1;
    return list.map(function (x, i) { return [x, i]; }).sort(function (a, b) {
      var x = a[0][k], y = b[0][k], xn = x == null || x === '', yn = y == null || y === '';
      if (xn || yn) return xn === yn ? a[1] - b[1] : xn ? 1 : -1; // missing values last either way
      var c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return c ? m * c : a[1] - b[1];
    }).map(function (p) { return p[0]; });
  }

  function markSorted(table, spec) {
    table.querySelectorAll('th[data-sort]').forEach(function (th) {
      var on = th.getAttribute('data-sort') === spec.key;
      th.classList.toggle('sorted-asc', on && !spec.desc);
      th.classList.toggle('sorted-desc', on && spec.desc);
      th.setAttribute('aria-sort', on ? (spec.desc ? 'descending' : 'ascending') : 'none');
    });
  }

  function bindSort(table, def, rerender) {
    table.querySelectorAll('th[data-sort]').forEach(function (th) {
      th.innerHTML = '<button type="button">' + th.innerHTML + '</button>';
    });
    table.querySelector('thead').addEventListener('click', function (e) {
      var th = e.target.closest('th[data-sort]');
      if (!th) return;
      var key = th.getAttribute('data-sort'), cur = sortSpec(def);
      var desc = cur.key === key ? !cur.desc : !th.classList.contains('txt');
      state.params.set('sort', (desc ? '-' : '') + key);
      writeHash();
      rerender();
    });
  }

  // Inline p95 sparkline; x spans the whole range so rows compare at a glance.
  function sparkline(points, from, to) {
    var W = 120, H = 26, pts = (points || []).filter(function (p) { return isNum(p[1]); });
    var max = 0;
    pts.forEach(function (p) { if (p[1] > max) max = p[1]; });
    var d = pts.map(function (p, i) {
      var x = Math.max(1, Math.min(W - 1, 1 + (p[0] - from) / (to - from || 1) * (W - 2)));
      var y = H - 2 - (max ? p[1] / max : 0) * (H - 5);
      return (i ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
    }).join('');
    if (pts.length === 1) d += 'm-2 0a2 2 0 1 0 4 0a2 2 0 1 0-4 0';
    return '<svg class="spark" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H +
      '" data-point-count="' + pts.length + '" aria-hidden="true">' + (d ? '<path d="' + d + '"/>' : '') + '</svg>';
  }

  function durBar(v, max) {
    return '<span class="dur-bar"><i style="width:' + (max ? (v / max * 100).toFixed(1) : 0) + '%"></i></span><span class="num">' + esc(fmtMs(v)) + '</span>';
  }

  function traceRows(tbody, traces, emptyText) {
    if (!traces.length) return failRow(tbody, 5, emptyText);
    var max = 0;
    traces.forEach(function (t) { if (t.durationMs > max) max = t.durationMs; });
    tbody.innerHTML = traces.map(function (t) {
      var href = traceLink(t.traceId);
      return '<tr class="trace-row' + (t.error ? ' is-error' : '') + '" data-trace-id="' + esc(t.traceId) + '" data-href="' + esc(href) + '">' +
        '<td class="txt">' + esc(fmtWhen(t.startTime)) + '</td>' +
        '<td class="txt"><a class="trace-link" href="' + esc(href) + '">' + esc(t.name || t.route || t.traceId) + '</a>' +
        '<span class="sub">' + esc(t.service) + ' · ' + esc(t.traceId.slice(0, 12)) + '…</span></td>' +
        '<td>' + durBar(t.durationMs, max) + '</td>' +
        '<td>' + fmtInt(t.spanCount) + '</td>' +
        '<td class="txt">' + (t.error ? '<span class="badge badge-error">error</span>' : '<span class="badge badge-ok">ok</span>') + '</td></tr>';
    }).join('');
  }

  // Whole-row clicks follow the row's link (the link itself stays a real <a>).
  function bindRowLinks(tbody) {
    tbody.addEventListener('click', function (e) {
      if (e.target.closest('a, button') || (window.getSelection && String(window.getSelection()))) return;
      var tr = e.target.closest('tr[data-href]');
      if (tr) location.hash = tr.getAttribute('data-href');
    });
  }

  function failRow(tbody, cols, text) {
    tbody.innerHTML = '<tr class="empty-row"><td colspan="' + cols + '">' + esc(text) + '</td></tr>';
  }

  // ---- routes page -------------------------------------------

  var routesPage = {
    data: null,
    sparks: {},
    window: null,
    render: function () {
      var table = $('routes-table'), tbody = table.querySelector('tbody'), spec = sortSpec('-requests');
      markSorted(table, spec);
      if (!this.data) return;
      var q = (state.params.get('q') || '').toLowerCase(), w = this.window, sparks = this.sparks;
      var rows = sortList(this.data.filter(function (r) {
        return !q || (r.service + ' ' + r.route).toLowerCase().indexOf(q) >= 0;
      }), spec);
      $('routes-meta').textContent = rows.length + (rows.length === this.data.length ? '' : ' of ' + this.data.length) +
        (this.data.length === 1 ? ' route' : ' routes');
      if (!rows.length) {
        failRow(tbody, 9, this.data.length ? 'No route matches the filter' : 'No requests in this time range');
        return;
      }
      tbody.innerHTML = rows.map(function (r) {
        var href = routeLink(r.service, r.route), er = r.errorRate || 0;
        return '<tr class="route-row" data-service="' + esc(r.service) + '" data-route="' + esc(r.route) + '" data-href="' + esc(href) + '">' +
          '<td class="txt">' + esc(r.service) + '</td>' +
          '<td class="txt"><a class="route-link" href="' + esc(href) + '">' + esc(r.route || '(no route)') + '</a></td>' +
          '<td>' + fmtInt(r.requests) + '</td><td>' + fmtRps(r.rps) + '</td>' +
          '<td>' + esc(fmtMs(r.p50)) + '</td><td>' + esc(fmtMs(r.p95)) + '</td><td>' + esc(fmtMs(r.p99)) + '</td>' +
          '<td class="' + (er >= 0.05 ? 'status-crit' : er > 0 ? 'status-warn' : '') + '">' + fmtPct(er) + '</td>' +
          '<td class="spark-col">' + sparkline(sparks[r.service + '\u0001' + r.route], w.from, w.to) + '</td></tr>';
      }).join('');
    },
    refresh: function (ctx) {
      var self = this, w = timeWindow(), range = [['from', w.from], ['to', w.to]];
      var fv = state.params.get('q') || '';
      if (document.activeElement !== $('routes-filter')) $('routes-filter').value = fv;
      var list = api('/api/v1/routes', range).then(withRps, function (e) {
        ctx.errors.push(errorText('Routes', e));
        return null;
      });
      var spark = api('/api/v1/query', [['metric', 'http.server.duration'], ['stat', 'p95'], ['by', 'service,route']]
        .concat(range, [['step', w.step]])).then(function (res) {
        var map = {};
        (res.series || []).forEach(function (s) { map[(s.tags.service || '') + '\u0001' + (s.tags.route || '')] = s.points || []; });
        return map;
      }, function (e) {
        ctx.errors.push(errorText('p95 sparklines', e));
        return {};
      });
      return Promise.all([list, spark]).then(function (r) {
        if (ctx.seq !== state.seq) return;
        self.window = w;
        self.sparks = r[1];
        if (r[0] === null) {
          self.data = null;
          failRow($('routes-table').querySelector('tbody'), 9, 'Failed to load routes: see the error above');
          showEmpty('routes-empty', '');
          return;
        }
        self.data = r[0];
        self.render();
        showEmpty('routes-empty', r[0].length ? '' : otlpHelp('No HTTP server spans in this time range.'));
      });
    }
  };

  // ---- route detail page -------------------------------------

  function routeStats(row) {
    var items = [['requests', 'Requests', row ? fmtInt(row.requests) : '—'],
      ['rps', 'Req/s', fmtRps(row && row.rps)],
      ['p50', 'p50', fmtMs(row && row.p50)], ['p95', 'p95', fmtMs(row && row.p95)], ['p99', 'p99', fmtMs(row && row.p99)],
      ['errorRate', 'Errors', fmtPct(row && row.errorRate)]];
    $('route-stats').innerHTML = items.map(function (it) {
      var er = it[0] === 'errorRate' && row ? row.errorRate : null;
      return '<div class="tile stat status-' + (er === null ? 'none' : er >= 0.05 ? 'crit' : er > 0 ? 'warn' : 'ok') + '" data-stat="' + it[0] +
        '"><div class="tile-label">' + it[1] + '</div><div class="tile-value">' + esc(it[2]) + '</div></div>';
    }).join('');
  }

  var routePage = {
    refresh: function (ctx) {
      var p = state.params, service = p.get('service') || '', route = p.get('route') || '';
      // Coarser buckets than Explore: a percentile over one or two requests says little.
      var w = timeWindow(90), range = [['from', w.from], ['to', w.to]], step = w.stepSec * 1000;
      $('route-title').textContent = (service ? service + ' · ' : '') + (route || 'no route selected');
      document.title = (route || 'Route') + ' · Perfwatch';
      $('route-back').href = pageLink('routes');
      $('route-traces-more').href = pageLink('traces', [['service', service], ['route', route], ['order', 'duration']]);
      var where = [['where', 'route=' + route]];
      if (service) where.push(['where', 'service=' + service]);
      function q(metric, stat) {
        return api('/api/v1/query', [['metric', metric], ['stat', stat]].concat(range, [['step', w.step]], where));
      }
      var marks = deployMarkers(w, service);
      function chart(el, series, unit, empty) {
        renderWithMarkers(ctx, el, series,
          { unit: unit, from: w.from, to: w.to, step: step, height: 220, legend: series.length > 1, emptyText: empty }, marks);
      }
      function points(res) { return res && res.series && res.series[0] ? res.series[0].points || [] : []; }
      var fail = function (what) {
        return function (e) { ctx.errors.push(errorText(what, e)); return null; };
      };
      var stats = api('/api/v1/routes', range).then(function (res) {
        var row = null;
        withRps(res).forEach(function (r) { if (r.route === route && (!service || r.service === service)) row = row || r; });
        if (ctx.seq === state.seq) routeStats(row);
      }, function (e) { ctx.errors.push(errorText('Route summary', e)); if (ctx.seq === state.seq) routeStats(null); });
      var lat = Promise.all(['p50', 'p95', 'p99'].map(function (s) { return q('http.server.duration', s).catch(fail('Latency ' + s)); }))
        .then(function (rs) {
          if (ctx.seq !== state.seq) return;
          var series = [];
          ['p50', 'p95', 'p99'].forEach(function (s, i) {
            if (rs[i]) series.push({ name: s, points: points(rs[i]), color: LATENCY_COLORS[s] });
          });
          chart($('route-latency-chart'), series, 'ms', series.length ? 'No requests for this route in this time range' : 'Query failed');
        });
      $('route-throughput-unit').textContent = 'requests per ' + w.step;
      $('route-errors-unit').textContent = 'http.server.errors per ' + w.step;
      function countChart(metric, stat, el, name, color, empty) {
        return q(metric, stat).catch(fail(name)).then(function (res) {
          if (ctx.seq === state.seq) chart($(el), res ? [{ name: name, points: points(res), color: color }] : [], '', res ? empty : 'Query failed');
        });
      }
      var thr = countChart('http.server.duration', 'count', 'route-throughput-chart', 'requests', '#0891b2', 'No requests in this time range');
      var errs = countChart('http.server.errors', 'sum', 'route-errors-chart', 'errors', '#dc2626', 'No errors recorded in this time range');
      var tbody = $('route-traces').querySelector('tbody');
      var pairs = [['route', route], ['service', service], ['order', 'duration'], ['limit', 20]].concat(range);
      var traces = api('/api/v1/traces', pairs).then(function (res) {
        if (ctx.seq === state.seq) traceRows(tbody, res.traces || [], 'No traces for this route in this time range');
      }, function (e) {
        ctx.errors.push(errorText('Slowest traces', e));
        if (ctx.seq === state.seq) failRow(tbody, 5, 'Failed to load traces');
      });
      return Promise.all([stats, lat, thr, errs, traces]);
    }
  };

  // ---- traces page -------------------------------------------

  var tracesPage = {
    syncForm: function (routes) {
      var p = state.params, svc = p.get('service') || '';
      var services = [], byService = {};
      (routes || []).forEach(function (r) {
        if (services.indexOf(r.service) < 0) services.push(r.service);
        if (!svc || r.service === svc) byService[r.route] = true;
      });
      services.sort();
      if (svc && services.indexOf(svc) < 0) services.unshift(svc);
      var sel = $('traces-service'), sig = services.join('\u0001');
      if (sel.__sig !== sig) {
        sel.innerHTML = '<option value="">All services</option>' + services.map(function (s) {
          return '<option value="' + esc(s) + '">' + esc(s) + '</option>';
        }).join('');
        sel.__sig = sig;
      }
      sel.value = svc;
      $('traces-route-list').innerHTML = Object.keys(byService).sort().map(function (r) {
        return '<option value="' + esc(r) + '">';
      }).join('');
      if (document.activeElement !== $('traces-route')) $('traces-route').value = p.get('route') || '';
      if (document.activeElement !== $('traces-min')) $('traces-min').value = p.get('min_duration') || '';
      $('traces-order').value = p.get('order') === 'duration' ? 'duration' : 'time';
      $('traces-errors').checked = p.get('status') === 'error';
    },
    read: function () {
      var p = state.params, min = $('traces-min').value.trim();
      if (min && !(+min >= 0)) { showErrors(['Min duration: "' + min + '" is not a number of milliseconds']); return false; }
      [['service', $('traces-service').value], ['route', $('traces-route').value.trim()], ['min_duration', min],
        ['order', $('traces-order').value === 'duration' ? 'duration' : ''],
        ['status', $('traces-errors').checked ? 'error' : '']].forEach(function (kv) { setParam(kv[0], kv[1]); });
      writeHash();
      return true;
    },
    refresh: function (ctx) {
      var self = this, p = state.params, w = timeWindow(), range = [['from', w.from], ['to', w.to]];
      var filters = ['service', 'route', 'status', 'min_duration', 'order'].map(function (k) { return [k, p.get(k)]; });
      var routes = api('/api/v1/routes', range).then(function (res) { return res.routes || []; }, function () { return []; });
      var list = api('/api/v1/traces', filters.concat([['limit', 200]], range));
      return Promise.all([routes, list.then(null, function (e) { ctx.errors.push(errorText('Traces', e)); return null; })])
        .then(function (r) {
          if (ctx.seq !== state.seq) return;
          self.syncForm(r[0]);
          var tbody = $('traces-table').querySelector('tbody');
          $('traces-meta').textContent = '';
          showEmpty('traces-empty', '');
          if (!r[1]) return failRow(tbody, 5, 'Failed to load traces: see the error above');
          var traces = r[1].traces || [], filtered = filters.some(function (f) { return f[1] && f[0] !== 'order'; });
          traceRows(tbody, traces, filtered ? 'No trace matches these filters in this time range' : 'No traces in this time range');
          $('traces-meta').textContent = traces.length + (traces.length === 1 ? ' trace' : ' traces') +
            (traces.length >= 200 ? ' (first 200)' : '') + (p.get('order') === 'duration' ? ', slowest first' : ', newest first');
          if (!traces.length && !filtered) showEmpty('traces-empty', otlpHelp('No traces in this time range.'));
        });
    }
  };

  // ---- trace page (waterfall) --------------------------------

  // Orders spans depth-first (children by start time); spans whose parent is
  // missing become roots. Adds _depth, _kids, _parent to each span.
  function spanTree(spans) {
    var byId = {}, kids = {}, roots = [], order = [], seen = {};
    spans.forEach(function (s) { if (!byId[s.spanId]) byId[s.spanId] = s; });
    spans.forEach(function (s) {
      s._kids = [];
      var par = s.parentSpanId && s.parentSpanId !== s.spanId ? byId[s.parentSpanId] : null;
      s._orphan = !!(s.parentSpanId && !par);
      if (par) (kids[s.parentSpanId] = kids[s.parentSpanId] || []).push(s); else roots.push(s);
    });
    function walk(root) {
      var stack = [[root, 0, null]];
      while (stack.length) {
        var it = stack.pop(), s = it[0];
        if (seen[s.spanId]) continue;
        seen[s.spanId] = true;
        s._depth = it[1];
        s._parent = it[2];
        if (it[2]) it[2]._kids.push(s);
        order.push(s);
        var ks = kids[s.spanId] || [];
        for (var i = ks.length - 1; i >= 0; i--) stack.push([ks[i], it[1] + 1, s]);
      }
    }
    roots.forEach(walk);
    spans.forEach(function (s) { if (!seen[s.spanId]) walk(s); }); // parent cycles
    return { order: order, byId: byId, roots: roots };
  }

  // Parts of the span not covered by any child: where its self time went.
  function selfSegments(s) {
    var a = s.startTime, b = a + s.durationMs, out = [], cur = a;
    s._kids.map(function (c) { return [Math.max(c.startTime, a), Math.min(c.startTime + c.durationMs, b)]; })
      .filter(function (x) { return x[0] < x[1]; })
      .sort(function (x, y) { return x[0] - y[0]; })
      .forEach(function (x) { if (x[0] > cur) out.push([cur, x[0]]); if (x[1] > cur) cur = x[1]; });
    if (cur < b) out.push([cur, b]);
    return out;
  }

  function niceTick(range, count) {
    var raw = range / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / mag;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
  }

  function pct(v) { return Math.max(0, Math.min(100, v)).toFixed(3) + '%'; }

  function attrValue(v) {
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  function kvTable(cls, obj) {
    var keys = Object.keys(obj || {}).sort();
    if (!keys.length) return '<p class="muted none">None</p>';
    return '<table class="kv ' + cls + '">' + keys.map(function (k) {
      return '<tr data-attr-key="' + esc(k) + '"><th>' + esc(k) + '</th><td>' + esc(attrValue(obj[k])) + '</td></tr>';
    }).join('') + '</table>';
  }

  var tracePage = {
    id: null,
    sig: '',
    t: null,
    collapsed: {},
    enter: function () {
      if (state.arg.toLowerCase() !== this.id) {
        this.id = state.arg.toLowerCase();
        this.sig = '';
        this.t = null;
        this.collapsed = {};
        $('trace-header').innerHTML = '<div class="muted">Loading trace…</div>';
        $('trace-waterfall').innerHTML = '';
        $('span-detail').innerHTML = '';
        $('trace-body').hidden = false;
        showEmpty('trace-empty', '');
      }
      $('trace-back').href = pageLink('traces');
      document.title = 'Trace ' + state.arg.slice(0, 8) + ' · Perfwatch';
    },
    refresh: function (ctx) {
      var self = this, id = this.id;
      if (!id) {
        $('trace-header').innerHTML = '<h1>No trace selected</h1>';
        $('trace-body').hidden = true;
        showEmpty('trace-empty', '<p>Open a trace from the <a href="' + esc(pageLink('traces')) + '">trace list</a>.</p>');
        return;
      }
      return api('/api/v1/traces/' + encodeURIComponent(id)).then(function (res) {
        if (ctx.seq !== state.seq || self.id !== id) return;
        var sig = JSON.stringify(res);
        if (sig === self.sig) { self.select(state.params.get('span'), false); return; } // unchanged: keep the DOM
        self.sig = sig;
        self.load(res);
      }, function (e) {
        if (ctx.seq !== state.seq || self.id !== id) return;
        ctx.errors.push(errorText('Trace ' + id, e));
        if (self.t) return; // keep showing what we had
        $('trace-header').innerHTML = '<h1>Trace not available</h1><div class="trace-facts"><code>' + esc(id) + '</code></div>';
        $('trace-body').hidden = true;
        showEmpty('trace-empty', e.status === 404
          ? '<p>No spans with this id are stored (expired, or not sent yet: the page reloads when data arrives).</p>'
          : '<p>The trace could not be loaded; see the error above.</p>');
      });
    },
    load: function (res) {
      var spans = (res.spans || []).filter(function (s) { return s && s.spanId; });
      var tree = spanTree(spans), start = Infinity, end = -Infinity, errors = 0, services = [];
      spans.forEach(function (s) {
        s.startTime = +s.startTime || 0;
        s.durationMs = Math.max(0, +s.durationMs || 0);
        if (s.startTime < start) start = s.startTime;
        if (s.startTime + s.durationMs > end) end = s.startTime + s.durationMs;
        if (s.status === 'error') errors++;
        if (services.indexOf(s.service) < 0) services.push(s.service);
      });
      if (!spans.length) { start = 0; end = 0; }
      var root = tree.roots[0] || spans[0];
      this.t = { id: res.traceId || this.id, spans: spans, tree: tree, start: start, total: end - start, root: root,
        errors: errors, services: services, colors: serviceColors(services) };
      $('trace-body').hidden = false;
      showEmpty('trace-empty', spans.length ? '' : '<p>This trace has no spans.</p>');
      this.header();
      this.draw();
      this.select(state.params.get('span'), false);
    },
    header: function () {
      var t = this.t, root = t.root || {}, colors = t.colors;
      document.title = (root.name || 'Trace') + ' · Perfwatch';
      $('trace-header').innerHTML =
        '<div class="trace-title-row"><h1 id="trace-title">' + esc(root.name || '(unnamed)') + '</h1>' +
        '<span id="trace-error" class="badge ' + (t.errors ? 'badge-error' : 'badge-ok') + '" data-error="' + (t.errors > 0) + '">' +
        (t.errors ? t.errors + (t.errors === 1 ? ' error' : ' errors') : 'ok') + '</span></div>' +
        '<div class="trace-facts">' +
        '<span><b>Trace</b> <code id="trace-id">' + esc(t.id) + '</code></span>' +
        '<span><b>Duration</b> <span id="trace-duration">' + esc(fmtMs(t.total)) + '</span></span>' +
        '<span><b>Spans</b> <span id="trace-span-count">' + t.spans.length + '</span></span>' +
        '<span><b>Started</b> ' + esc(t.spans.length ? fmtWhen(t.start) : '—') + '</span>' +
        '<span><b>Services</b> ' + t.services.map(function (s) {
          return '<span class="svc-chip"><i style="background:' + colors[s] + '"></i>' + esc(s) + '</span>';
        }).join(' ') + '</span>' +
        (root.attributes && root.attributes['http.route']
          ? '<a class="more" href="' + esc(routeLink(root.service, root.attributes['http.route'])) + '">Route detail →</a>' : '') +
        '</div>';
    },
    draw: function () {
      var t = this.t, total = t.total || 1, collapsed = this.collapsed, colors = t.colors;
      var step = niceTick(total, Math.max(2, Math.min(6, Math.floor($('trace-waterfall').clientWidth * 0.6 / 100)))), ticks = [];
      for (var v = 0; v <= total * 1.0001 && ticks.length < 20; v += step) ticks.push(v);
      var head = '<div class="wf-head"><div class="wf-name">Span</div><div class="wf-axis">' + ticks.map(function (v) {
        return '<span class="wf-tick' + (v / total > 0.9 ? ' is-end' : '') + '" style="left:' + pct(v / total * 100) + '">' + esc(fmtMs(v)) + '</span>';
      }).join('') + '</div></div>';
      var hiddenUnder = {};
      var rows = t.tree.order.map(function (s) {
        var hide = s._parent && (collapsed[s._parent.spanId] || hiddenUnder[s._parent.spanId]);
        if (hide) hiddenUnder[s.spanId] = true;
        var off = s.startTime - t.start, l = off / total * 100, w = s.durationMs / total * 100;
        var err = s.status === 'error', c = colors[s.service];
        var selfMs = isNum(s.selfTimeMs) ? +s.selfTimeMs : null;
        var segs = s.durationMs > 0 ? selfSegments(s).map(function (g) {
          return '<i class="wf-self" style="left:' + pct((g[0] - s.startTime) / s.durationMs * 100) + ';width:' +
            pct((g[1] - g[0]) / s.durationMs * 100) + '"></i>';
        }).join('') : '';
        var evs = (s.events || []).map(function (e) {
          return '<i class="wf-event" style="left:' + pct((e.time - t.start) / total * 100) + '" title="' +
            esc(e.name + ' at +' + fmtMs(e.time - t.start)) + '"></i>';
        }).join('');
        var label = esc(fmtMs(s.durationMs)) + (selfMs !== null && s._kids.length ? ' <span class="wf-selfms">self ' + esc(fmtMs(selfMs)) + '</span>' : '');
        // Duration label after the bar (the track keeps a right margin for it), or before a late, long bar.
        var labelPos = l + w > 80 && l >= 30 ? 'right:' + pct(100 - l) : 'left:' + pct(l + w);
        var indent = Math.min(s._depth, 24) * 14;
        return '<div class="wf-row' + (err ? ' is-error' : '') + (hide ? ' is-hidden' : '') + '" data-span-id="' + esc(s.spanId) +
          '" data-depth="' + s._depth + '">' +
          '<div class="wf-name" style="padding-left:' + (6 + indent) + 'px" title="' + esc(s.service + ' · ' + s.name) + '">' +
          (s._kids.length ? '<button type="button" class="wf-toggle" title="Collapse/expand">' + (collapsed[s.spanId] ? '▸' : '▾') + '</button>'
            : '<span class="wf-toggle"></span>') +
          '<span class="wf-svc" style="background:' + c + '"></span>' +
          (err ? '<span class="wf-err-mark" title="error">!</span>' : '') +
          '<span class="wf-label">' + esc(s.name || '(unnamed)') + '</span>' +
          '</div><div class="wf-track">' +
          '<div class="wf-bar" style="left:' + pct(l) + ';width:' + pct(w) + ';--c:' + c + '">' + segs + '</div>' + evs +
          '<span class="wf-dur" style="' + labelPos + '">' + label + '</span></div></div>';
      }).join('');
      $('trace-waterfall').innerHTML = head + '<div class="wf-rows">' + rows + '</div>';
    },
    select: function (spanId, write) {
      var t = this.t, panel = $('span-detail');
      if (!t) return;
      var s = spanId && t.tree.byId[spanId];
      if (!s) {
        // Default: the first error span, else the root; not written to the URL.
        t.spans.forEach(function (x) { if (!s && x.status === 'error') s = x; });
        s = s || t.root;
        write = false;
      }
      document.querySelectorAll('#trace-waterfall .wf-row').forEach(function (r) {
        r.classList.toggle('is-selected', !!s && r.getAttribute('data-span-id') === s.spanId);
      });
      if (!s) { panel.innerHTML = ''; return; }
      if (write) { state.params.set('span', s.spanId); writeHash(); }
      if (panel.getAttribute('data-span-id') === s.spanId && panel.__sig === this.sig) return;
      panel.setAttribute('data-span-id', s.spanId);
      panel.__sig = this.sig;
      var err = s.status === 'error', off = s.startTime - t.start;
      var facts = [
        ['Service', '<span class="svc-chip"><i style="background:' + t.colors[s.service] + '"></i>' + esc(s.service) + '</span>'],
        ['Kind', esc(s.kind || 'unspecified')],
        ['Status', '<span class="badge ' + (err ? 'badge-error' : s.status === 'ok' ? 'badge-ok' : '') + '">' + esc(s.status || 'unset') + '</span>' +
          (s.statusMessage ? ' <span class="sd-msg">' + esc(s.statusMessage) + '</span>' : '')],
        ['Start', '+' + esc(fmtMs(off)) + ' <span class="muted">' + esc(fmtWhen(s.startTime)) + '</span>'],
        ['Duration', esc(fmtMs(s.durationMs))],
        ['Self time', esc(fmtMs(s.selfTimeMs)) + (s.durationMs > 0 && isNum(s.selfTimeMs) ?
          ' <span class="muted">(' + Math.round(s.selfTimeMs / s.durationMs * 100) + '%)</span>' : '')],
        ['Span ID', '<code>' + esc(s.spanId) + '</code>'],
        ['Parent', s.parentSpanId ? '<code>' + esc(s.parentSpanId) + '</code>' + (s._orphan ? ' <span class="muted">(missing)</span>' : '') : '—']
      ];
      var events = s.events || [];
      panel.innerHTML = '<h2 id="span-detail-title" class="sd-title' + (err ? ' is-error' : '') + '">' + esc(s.name || '(unnamed)') + '</h2>' +
        '<dl class="sd-facts">' + facts.map(function (f) { return '<dt>' + f[0] + '</dt><dd>' + f[1] + '</dd>'; }).join('') + '</dl>' +
        '<h3>Attributes <span class="muted">' + Object.keys(s.attributes || {}).length + '</span></h3>' + kvTable('span-attrs', s.attributes) +
        '<h3>Events <span class="muted">' + events.length + '</span></h3>' +
        (events.length ? '<ol class="span-events">' + events.map(function (e) {
          return '<li class="span-event' + (/exception|error/i.test(e.name) ? ' is-error' : '') + '"><div class="ev-head"><b>' + esc(e.name) + '</b> <span class="muted">+' +
            esc(fmtMs(e.time - t.start)) + '</span></div>' + kvTable('event-attrs', e.attributes) + '</li>';
        }).join('') + '</ol>' : '<p class="muted none">None</p>');
    },
    toggle: function (spanId) { // null: just redraw
      if (this.collapsed[spanId]) delete this.collapsed[spanId]; else if (spanId) this.collapsed[spanId] = true;
      this.draw();
      this.select(state.params.get('span'), false);
    }
  };

  // ---- database page -----------------------------------------

  var databasePage = {
    data: null,
    open: {},
    render: function () {
      var table = $('db-table'), tbody = table.querySelector('tbody'), spec = sortSpec('-totalMs'), open = this.open;
      markSorted(table, spec);
      if (!this.data) return;
      if (!this.data.length) { failRow(tbody, 8, 'No database queries in this time range'); return; }
      var max = 0;
      this.data.forEach(function (q) { if (q.totalMs > max) max = q.totalMs; });
      tbody.innerHTML = sortList(this.data, spec).map(function (q) {
        var key = q.service + '\u0001' + q.fingerprint, stmt = q.statement || '(statement not recorded: ' + q.fingerprint + ')';
        return '<tr class="db-row' + (open[key] ? ' is-open' : '') + '" data-fingerprint="' + esc(q.fingerprint) + '" data-service="' + esc(q.service) + '">' +
          '<td class="txt stmt"><code class="stmt-text" title="' + esc(stmt) + '" tabindex="0">' + esc(stmt) + '</code></td>' +
          '<td class="txt">' + esc(q.service) + '</td><td class="txt">' + esc(q.dbSystem || '—') + '</td>' +
          '<td class="txt">' + esc(q.operation || '—') + '</td><td>' + fmtInt(q.calls) + '</td>' +
          '<td>' + durBar(q.totalMs, max) + '</td>' +
          '<td>' + esc(fmtMs(q.avgMs)) + '</td><td>' + esc(fmtMs(q.p95)) + '</td></tr>';
      }).join('');
    },
    refresh: function (ctx) {
      var self = this, w = timeWindow();
      return api('/api/v1/db/queries', [['from', w.from], ['to', w.to]]).then(function (res) {
        if (ctx.seq !== state.seq) return;
        var list = res.queries || [], calls = 0, total = 0;
        list.forEach(function (q) {
          q.avgMs = q.calls ? q.totalMs / q.calls : null;
          calls += q.calls || 0; total += q.totalMs || 0;
        });
        self.data = list;
        self.render();
        $('db-meta').textContent = list.length + (list.length === 1 ? ' query fingerprint' : ' query fingerprints') +
          ' · ' + fmtInt(calls) + ' calls · ' + fmtMs(total) + ' total';
        showEmpty('db-empty', list.length ? '' : otlpHelp('No database spans in this time range (client spans with ' +
          '<code>db.system</code> and <code>db.statement</code> or <code>db.query.text</code>, as database instrumentations record).'));
      }, function (e) {
        ctx.errors.push(errorText('Database queries', e));
        if (ctx.seq !== state.seq) return;
        self.data = null;
        failRow($('db-table').querySelector('tbody'), 8, 'Failed to load queries: see the error above');
        $('db-meta').textContent = '';
        showEmpty('db-empty', '');
      });
    }
  };

  function initApmPages() {
    bindSort($('routes-table'), '-requests', function () { routesPage.render(); });
    bindSort($('db-table'), '-totalMs', function () { databasePage.render(); });
    bindRowLinks($('routes-table').querySelector('tbody'));
    bindRowLinks($('route-traces').querySelector('tbody'));
    bindRowLinks($('traces-table').querySelector('tbody'));
    $('routes-filter').addEventListener('input', function () {
      setParam('q', this.value.trim());
      writeHash();
      routesPage.render();
    });

    $('traces-form').addEventListener('submit', function (e) { e.preventDefault(); if (tracesPage.read()) refresh(); });
    ['traces-service', 'traces-route', 'traces-min', 'traces-order', 'traces-errors'].forEach(function (id) {
      $(id).addEventListener('change', function () { if (tracesPage.read()) refresh(); });
    });

    var wf = $('trace-waterfall');
    var resizeTimer = 0;
    window.addEventListener('resize', function () { // the axis ticks depend on the width
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () { if (state.page === 'trace' && tracePage.t) tracePage.toggle(null); }, 150);
    });
    wf.addEventListener('click', function (e) {
      var row = e.target.closest('.wf-row');
      if (!row) return;
      var id = row.getAttribute('data-span-id');
      if (e.target.closest('.wf-toggle')) { tracePage.toggle(id); return; }
      tracePage.select(id, true);
    });

    $('db-table').querySelector('tbody').addEventListener('click', function (e) {
      var tr = e.target.closest('tr.db-row');
      if (!tr || (window.getSelection && String(window.getSelection()))) return;
      var key = tr.getAttribute('data-service') + '\u0001' + tr.getAttribute('data-fingerprint');
      if (databasePage.open[key]) delete databasePage.open[key]; else databasePage.open[key] = true;
      tr.classList.toggle('is-open', !!databasePage.open[key]);
    });
  }

  var PAGES = {
    overview: overviewPage, explore: explorePage, routes: routesPage, route: routePage,
    traces: tracesPage, trace: tracePage, database: databasePage
  };

  // Helpers for pages in other files (vitals.js, loadtests.js), which add themselves to PW.pages before init runs.
  window.PW = {
    pages: PAGES, state: state, $: $, esc: esc, api: api, errorText: errorText, timeWindow: timeWindow,
    writeHash: writeHash, setParam: setParam, refresh: refresh, pageLink: pageLink, seriesName: seriesName,
    isNum: isNum, deployMarkers: deployMarkers, fmtMs: fmtMs, fmtInt: fmtInt, fmtPct: fmtPct, fmtWhen: fmtWhen, showEmpty: showEmpty,
    sortSpec: sortSpec, sortList: sortList, markSorted: markSorted, bindSort: bindSort, failRow: failRow,
    onRefresh: function (fn) { refreshHooks.push(fn); }
  };

  // ---- wiring -------------------------------------------------------------------------

  function init() {
    $('error-close').addEventListener('click', function () { $('error-banner').hidden = true; });

    $('range-select').addEventListener('change', function () {
      var v = this.value;
      state.params.set('range', v);
      if (v === 'custom') {
        var to = Date.now();
        state.params.set('from', String(to - 3600e3));
        state.params.set('to', String(to));
      } else {
        state.params.delete('from');
        state.params.delete('to');
      }
      writeHash();
      syncRangeControls();
      refresh();
    });
    ['range-from', 'range-to'].forEach(function (id) {
      $(id).addEventListener('change', function () {
        var f = new Date($('range-from').value).getTime(), t = new Date($('range-to').value).getTime();
        if (!isFinite(f) || !isFinite(t) || f >= t) { showErrors(['Custom range: "from" must be before "to"']); return; }
        state.params.set('from', String(f));
        state.params.set('to', String(t));
        writeHash();
        refresh();
      });
    });

    var auto = $('auto-refresh');
    state.autoRefresh = auto.checked;
    auto.addEventListener('change', function () {
      state.autoRefresh = auto.checked;
      if (state.autoRefresh) refresh();
    });

    $('explore-form').addEventListener('submit', function (e) { e.preventDefault(); });
    $('explore-metric').addEventListener('change', function () { if (readExploreControls('metric')) refresh(); });
    $('explore-stat').addEventListener('change', function () { if (readExploreControls('stat')) refresh(); });
    $('explore-by').addEventListener('change', function () { if (readExploreControls('by')) refresh(); });
    $('explore-where').addEventListener('change', function () { if (readExploreControls('where')) refresh(); });
    initApmPages();

    window.addEventListener('hashchange', onRoute);
    setInterval(function () { if (state.autoRefresh && !document.hidden) scheduleRefresh(); }, 30000);
    connectEvents();
    if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/overview');
    onRoute();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

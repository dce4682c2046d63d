/* Perfwatch dashboard app: hash routing, data loading, live refresh.
 * Pages register in PAGES; later pages (traces, web vitals, alerts, load
 * tests) slot in by adding an entry and a <section id="page-NAME">. */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var STATS = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'avg', 'min', 'max', 'count', 'sum', 'rate', 'last'];
  var RANGES = { '15m': 15 * 60e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 };
  // Multiples of the server's rollup resolutions (10s, 1m, 1h) so buckets never alias.
  var STEPS = [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]; // seconds
  var MAX_POINTS = 300;
  var SOON = { traces: 'Traces', vitals: 'Web Vitals', alerts: 'Alerts', loadtests: 'Load Tests' };

  var state = {
    page: 'overview',
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

  function stepFor(rangeMs) {
    var raw = Math.max(10e3, rangeMs / MAX_POINTS);
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

  function timeWindow() {
    var p = state.params, range = p.get('range') || '1h', from, to;
    if (range === 'custom') {
      to = +p.get('to') || Date.now();
      from = +p.get('from') || to - 3600e3;
      if (from >= to) from = to - 60e3;
    } else {
      to = Date.now();
      from = to - (RANGES[range] || RANGES['1h']);
    }
    var step = stepFor(to - from);
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
    var page = (q >= 0 ? h.slice(0, q) : h) || 'overview';
    state.params = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
    if (!PAGES[page] && !SOON[page]) page = 'overview';
    state.page = page;
  }

  function writeHash() {
    var pairs = [];
    state.params.forEach(function (v, k) { pairs.push([k, v]); });
    var s = qs(pairs);
    history.replaceState(null, '', '#/' + state.page + (s ? '?' + s : ''));
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
      a.classList.toggle('active', pg === state.page);
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

  function overviewChart(ctx, w, el, metric, unit) {
    return api('/api/v1/query', [['metric', metric], ['stat', 'last'], ['from', w.from], ['to', w.to], ['step', w.step]])
      .then(function (res) {
        if (ctx.seq !== state.seq) return;
        var series = toChartSeries(res, metric);
        PerfChart.render(el, series, {
          unit: unit, from: w.from, to: w.to, step: w.stepSec * 1000, height: 200, legend: series.length > 1,
          emptyText: 'No data yet: host metrics are recorded every 10 s'
        });
      }, function (e) {
        ctx.errors.push(errorText('Query ' + metric, e));
        if (ctx.seq === state.seq) PerfChart.render(el, [], { unit: unit, from: w.from, to: w.to, height: 200, emptyText: 'Query failed' });
      });
  }

  var overviewPage = {
    refresh: function (ctx) {
      var w = timeWindow();
      var tiles = api('/api/v1/overview').then(function (res) {
        if (ctx.seq === state.seq) renderTiles(res.tiles || []);
      }, function (e) {
        ctx.errors.push(errorText('Overview', e));
        if (ctx.seq === state.seq) $('overview-tiles').innerHTML = '<div class="muted">Health tiles unavailable.</div>';
      });
      return Promise.all([
        tiles,
        overviewChart(ctx, w, $('overview-cpu-chart'), 'system.cpu.percent', '%'),
        overviewChart(ctx, w, $('overview-rss-chart'), 'process.memory.rss_bytes', 'bytes')
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
          var r = PerfChart.render(chartEl, series, {
            unit: unit, from: w.from, to: w.to, step: (res.step || w.stepSec * 1000), height: 320,
            emptyText: 'No data for ' + sel.metric + ' in this time range'
          });
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

  var PAGES = { overview: overviewPage, explore: explorePage };

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

    window.addEventListener('hashchange', onRoute);
    setInterval(function () { if (state.autoRefresh && !document.hidden) scheduleRefresh(); }, 30000);
    connectEvents();
    if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/overview');
    onRoute();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

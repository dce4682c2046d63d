/* Perfwatch dashboard: real-user monitoring pages (Web Vitals, Journeys, Errors).
 * Loaded after app.js: uses its helpers through window.PW and adds its pages to
 * PW.pages before the app starts routing. */
(function () {
  'use strict';

  var P = window.PW, $ = P.$, esc = P.esc, api = P.api, state = P.state, isNum = P.isNum;
  var VITALS = [
    { key: 'lcp', label: 'LCP', name: 'Largest Contentful Paint', unit: 'ms', good: 2500, poor: 4000 },
    { key: 'inp', label: 'INP', name: 'Interaction to Next Paint', unit: 'ms', good: 200, poor: 500 },
    { key: 'cls', label: 'CLS', name: 'Cumulative Layout Shift', unit: '', good: 0.1, poor: 0.25 },
    { key: 'fcp', label: 'FCP', name: 'First Contentful Paint', unit: 'ms', good: 1800, poor: 3000 },
    { key: 'ttfb', label: 'TTFB', name: 'Time to First Byte', unit: 'ms', good: 800, poor: 1800 }
  ];
  var RATINGS = { good: 'Good', 'needs-improvement': 'Needs improvement', poor: 'Poor' };
  var SHORT = { good: 'good', 'needs-improvement': 'needs impr.', poor: 'poor' };
  var RES_TYPES = ['script', 'stylesheet', 'image', 'font', 'other'];

  function current(ctx) { return ctx.seq === state.seq; }
  function range(w) { return [['from', w.from], ['to', w.to]]; }

  function fmtVital(v, x) {
    if (!isNum(x)) return '—';
    return v.unit ? PerfChart.formatValue(+x, v.unit) : String(+(+x).toFixed(3));
  }
  function thresholdText(v) {
    return 'good ≤ ' + fmtVital(v, v.good) + ' · poor > ' + fmtVital(v, v.poor);
  }
  // The server's rating wins; the thresholds are only a fallback.
  function ratingOf(v, x) {
    if (!x) return '';
    if (RATINGS[x.rating]) return x.rating;
    if (!isNum(x.p75)) return '';
    return x.p75 <= v.good ? 'good' : x.p75 <= v.poor ? 'needs-improvement' : 'poor';
  }
  function scoreRating(s) { return !isNum(s) ? '' : s >= 90 ? 'good' : s >= 50 ? 'needs-improvement' : 'poor'; }
  function rcls(r) { return r ? ' r-' + r : ''; }

  function chart(el, series, unit, w, empty, ctx) {
    var opts = { unit: unit, from: w.from, to: w.to, step: w.stepSec * 1000, height: 180, legend: series.length > 0, emptyText: empty };
    PerfChart.render(el, series, opts);
    // Deploys on the same time axis (a release's effect on real users), drawn once they arrive:
    // the chart never waits for them, and is redrawn only if there are any.
    P.deployMarkers(w, '').then(function (m) {
      if (m.length && el.isConnected && (!ctx || current(ctx))) { opts.markers = m; PerfChart.render(el, series, opts); }
    });
  }
  function bySeries(res, tag, missing) {
    return (res.series || []).map(function (s) {
      var t = s.tags || {};
      return { name: t[tag] != null && t[tag] !== '' ? String(t[tag]) : missing, points: s.points || [] };
    });
  }
  function sumPoints(res, tag) {
    var out = {};
    (res.series || []).forEach(function (s) {
      var k = (s.tags || {})[tag] || 'other';
      (s.points || []).forEach(function (p) { if (isNum(p[1])) out[k] = (out[k] || 0) + +p[1]; });
    });
    return out;
  }

  // ---- snippet (install box / empty state) ---------------------------------

  function snippetHtml(s, err) {
    if (!s) return '<p>The install snippet is unavailable' + (err ? ': ' + esc(err) : '') + '.</p>';
    return '<div class="snippet"><pre><code class="snippet-code">' + esc(s.snippet || '') + '</code></pre>' +
      '<button type="button" class="copy-btn">Copy</button></div>' +
      '<p>Public browser key <code class="snippet-key">' + esc(s.key || '') + '</code>, accepted from ' +
      ((s.origins || []).map(function (o) { return '<code>' + esc(o) + '</code>'; }).join(', ') || 'no origin') + '. ' +
      'Add <code>data-release="1.4.2"</code> to compare releases and <code>data-routes="/courses/:id,/docs/*"</code> ' +
      'to group URLs into pages. Journeys: <code>perfwatch.journey.start(\'booking\', {targetMs: 5000}).step(\'pay\').complete()</code>.</p>';
  }

  document.addEventListener('click', function (e) {
    var b = e.target.closest('.copy-btn');
    if (!b) return;
    var code = b.parentNode.querySelector('code'), text = code.textContent;
    var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
    var fallback = function () {
      var r = document.createRange(), sel = window.getSelection();
      r.selectNodeContents(code); sel.removeAllRanges(); sel.addRange(r);
      try { if (document.execCommand('copy')) done(); } catch (x) { /* text stays selected */ }
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });

  // ---- web vitals page ---------------------------------------------------------

  function gauge(score) {
    var has = isNum(score), s = has ? Math.max(0, Math.min(100, +score)) : 0, r = scoreRating(has ? s : null);
    var el = $('vitals-score');
    el.setAttribute('data-score', has ? String(Math.round(s)) : '');
    el.setAttribute('data-rating', r);
    el.className = 'gauge' + rcls(r);
    var html = '<svg viewBox="0 0 120 70" width="168" height="98" role="img" aria-label="Performance score ' +
      (has ? Math.round(s) : 'unknown') + ' of 100"><path class="g-bg" d="M10 62A50 50 0 0 1 110 62"/>' +
      (s > 0 ? '<path class="g-val" pathLength="100" stroke-dasharray="' + s.toFixed(1) + ' 200" d="M10 62A50 50 0 0 1 110 62"/>' : '') +
      '<text class="g-num" x="60" y="58" text-anchor="middle">' + (has ? Math.round(s) : '—') + '</text></svg>';
    if (el.__sig !== html) { el.innerHTML = html; el.__sig = html; } // live refreshes redraw only on change
  }

  function shareBar(x) {
    var seg = [['good', x.good], ['needs-improvement', x.needsImprovement], ['poor', x.poor]];
    var tot = seg.reduce(function (a, s) { return a + (isNum(s[1]) ? +s[1] : 0); }, 0);
    if (!tot) return '<div class="share-bar is-empty"></div><div class="share-legend muted">no page loads</div>';
    return '<div class="share-bar">' + seg.map(function (s) {
      var f = isNum(s[1]) ? s[1] / tot : 0;
      return '<i class="r-' + s[0] + '" data-share="' + s[0] + '" style="width:' + (f * 100).toFixed(2) + '%" title="' +
        RATINGS[s[0]] + ': ' + P.fmtPct(s[1]) + '"></i>';
    }).join('') + '</div><div class="share-legend">' + seg.map(function (s) {
      return '<span class="r-' + s[0] + '">' + P.fmtPct(s[1] || 0) + ' ' + SHORT[s[0]] + '</span>';
    }).join(' · ') + '</div>';
  }

  function tiles(overall) {
    var vit = (overall && overall.vitals) || {};
    var box = $('vitals-tiles'), html = VITALS.map(function (v) {
      var x = vit[v.key] || {}, r = ratingOf(v, x);
      return '<div class="tile vital-tile' + rcls(r) + '" data-vital="' + v.key + '" data-rating="' + r + '" title="' +
        esc(v.name + ': ' + thresholdText(v)) + '"><div class="tile-label">' + v.label + ' · p75</div><div class="tile-value">' + esc(fmtVital(v, x.p75)) + '</div><div class="tile-status">' +
        (RATINGS[r] || 'No data') + ' <span class="muted">· ' + P.fmtInt(x.samples || 0) + ' samples</span></div>' +
        shareBar(x) + '</div>';
    }).join('');
    if (box.__sig !== html) { box.innerHTML = html; box.__sig = html; } // live refreshes redraw only on change
  }

  function flatten(row) {
    var o = { page: row.page, device: row.device, samples: row.samples, score: row.score, row: row,
      cwvPass: row.cwvPass === true ? 1 : row.cwvPass === false ? 0 : null };
    VITALS.forEach(function (v) { var x = (row.vitals || {})[v.key]; o[v.key] = x && isNum(x.p75) ? +x.p75 : null; });
    return o;
  }

  var vitalsPage = {
    data: null,
    setup: null,
    setupErr: '',
    sel: function () {
      var d = state.params.get('device') || '';
      return { device: ['mobile', 'tablet', 'desktop'].indexOf(d) >= 0 ? d : '', page: state.params.get('page') || '' };
    },
    where: function () {
      var s = this.sel(), out = [];
      if (s.device) out.push(['where', 'device=' + s.device]);
      if (s.page) out.push(['where', 'page=' + s.page]);
      return out;
    },
    enter: function () {
      var s = this.sel(), chip = $('vitals-page-chip');
      $('vitals-device').querySelectorAll('button').forEach(function (b) {
        var on = b.getAttribute('data-device') === s.device;
        b.classList.toggle('active', on);
        b.setAttribute('aria-pressed', String(on));
      });
      chip.hidden = !s.page;
      chip.innerHTML = s.page ? 'Page <code>' + esc(s.page) + '</code> <a href="' +
        esc(P.pageLink('vitals', [['device', s.device]])) + '" title="All pages" aria-label="Show all pages">×</a>' : '';
      $('vitals-res-title').textContent = 'Average bytes per page view' + (s.page ? ' · ' + s.page : ' · all pages');
    },
    render: function () {
      var table = $('vitals-table'), tbody = table.querySelector('tbody'), spec = P.sortSpec('-samples');
      P.markSorted(table, spec);
      if (!this.data) return;
      var rows = (this.data.pages || []).map(flatten), dev = this.sel().device;
      if (!rows.length) return P.failRow(tbody, 10, 'No page loads in this time range');
      tbody.innerHTML = P.sortList(rows, spec).map(function (o) {
        var r = o.row, device = r.device && r.device !== '*' ? r.device : '';
        var href = P.pageLink('vitals', [['device', device || dev], ['page', r.page]]), sr = scoreRating(r.score);
        return '<tr class="vitals-row" data-page="' + esc(r.page) + '" data-device="' + esc(r.device || '') + '" data-href="' + esc(href) + '">' +
          '<td class="txt"><a href="' + esc(href) + '">' + esc(r.page) + '</a></td><td class="txt">' + esc(device || 'all') + '</td>' +
          '<td>' + P.fmtInt(r.samples) + '</td>' + VITALS.map(function (v) {
            var x = (r.vitals || {})[v.key], rt = ratingOf(v, x);
            return '<td class="vital-cell' + rcls(rt) + '" data-vital="' + v.key + '" data-rating="' + rt + '">' + esc(fmtVital(v, x && x.p75)) + '</td>';
          }).join('') +
          '<td class="cwv" data-pass="' + (r.cwvPass == null ? '' : r.cwvPass) + '">' +
          (r.cwvPass === true ? '<span class="r-good" title="LCP, INP and CLS are good">✓</span>' :
            r.cwvPass === false ? '<span class="r-poor" title="LCP, INP or CLS is not good">✗</span>' : '—') + '</td>' +
          '<td class="score-cell' + rcls(sr) + '" data-rating="' + sr + '">' + (isNum(r.score) ? Math.round(r.score) : '—') + '</td></tr>';
      }).join('');
    },
    install: function (empty, filtered) {
      var html = snippetHtml(this.setup, this.setupErr), box = $('vitals-install');
      var emptyHtml = !empty ? '' : filtered ? '<p>No page loads match this filter in this time range. <a href="' +
        esc(P.pageLink('vitals')) + '">Show all pages and devices</a>.</p>'
        : '<p>No page loads have been measured in this time range. Add this snippet to the <code>&lt;head&gt;</code> of your pages; ' +
          'vitals appear here as soon as the first visitor leaves a page.</p>' + html;
      if ($('vitals-empty').__sig !== emptyHtml) { P.showEmpty('vitals-empty', emptyHtml); $('vitals-empty').__sig = emptyHtml; }
      $('vitals-body').hidden = empty && !filtered;
      box.hidden = empty && !filtered;
      if (box.__sig !== html) { $('vitals-install-body').innerHTML = html; box.__sig = html; }
    },
    refresh: function (ctx) {
      var self = this, w = P.timeWindow(90), s = this.sel(), where = this.where();
      this.enter();
      var fail = function (what) { return function (e) { ctx.errors.push(P.errorText(what, e)); return null; }; };
      var setup = this.setup ? Promise.resolve() : api('/api/v1/rum/setup').then(function (r) { self.setup = r; }, function (e) {
        self.setupErr = e.message || String(e);
      });
      var pairs = range(w).concat(s.page ? [['page', s.page]] : [], s.device ? [['device', s.device]] : []);
      var main = api('/api/v1/vitals', pairs).catch(fail('Web vitals'));
      var jobs = [Promise.all([main, setup]).then(function (r) {
        if (!current(ctx)) return;
        var res = r[0];
        self.data = res;
        var overall = res && res.overall;
        gauge(overall && overall.score);
        tiles(overall);
        if (res) self.render(); else P.failRow($('vitals-table').querySelector('tbody'), 10, 'Failed to load web vitals: see the error above');
        var n = overall ? overall.samples || 0 : 0;
        $('vitals-meta').textContent = res ? P.fmtInt(n) + (n === 1 ? ' page load' : ' page loads') + ' · ' +
          (res.pages || []).length + ' rows' + (overall && overall.cwvPass != null ? ' · Core Web Vitals ' + (overall.cwvPass ? 'passed' : 'failed') : '') : '';
        self.install(!!res && n === 0, !!(s.device || s.page));
      })];
      // Trends of p75 per vital, one line per release.
      var box = $('vitals-trends');
      if (!box.children.length) {
        box.innerHTML = VITALS.map(function (v) {
          return '<div class="card"><h2>' + v.label + ' <small>' + esc(thresholdText(v)) + '</small></h2><div id="vitals-trend-' +
            v.key + '" class="chart trend-chart" data-vital="' + v.key + '"></div></div>';
        }).join('');
      }
      VITALS.forEach(function (v) {
        jobs.push(api('/api/v1/query', [['metric', 'rum.' + v.key], ['stat', 'p75']].concat(range(w), [['step', w.step], ['by', 'release']], where))
          .then(function (res) {
            if (current(ctx)) chart($('vitals-trend-' + v.key), bySeries(res, 'release', '(no release)'), v.unit, w, 'No ' + v.label + ' samples in this time range', ctx);
          }, function (e) {
            ctx.errors.push(P.errorText(v.label + ' trend', e));
            if (current(ctx)) chart($('vitals-trend-' + v.key), [], v.unit, w, 'Query failed', ctx);
          }));
      });
      // Resource weight: JS bytes per page over time, and the average per type.
      var bytes = function (stat, by, extra) {
        return api('/api/v1/query', [['metric', 'rum.resource.bytes'], ['stat', stat]].concat(range(w), [['step', w.step], ['by', by]], extra));
      };
      var devWhere = s.device ? [['where', 'device=' + s.device]] : [];
      jobs.push(bytes('avg', 'page', devWhere.concat([['where', 'type=script']], s.page ? [['where', 'page=' + s.page]] : [])).then(function (res) {
        if (current(ctx)) chart($('vitals-js-chart'), bySeries(res, 'page', '(no page)'), 'bytes', w, 'No script transfers in this time range', ctx);
      }, function (e) {
        ctx.errors.push(P.errorText('JavaScript weight', e));
        if (current(ctx)) chart($('vitals-js-chart'), [], 'bytes', w, 'Query failed', ctx);
      }));
      jobs.push(Promise.all([bytes('sum', 'type', where), bytes('count', 'type', where)]).then(function (r) {
        if (!current(ctx)) return;
        var sum = sumPoints(r[0], 'type'), cnt = sumPoints(r[1], 'type'), tbody = $('vitals-res-table').querySelector('tbody');
        var types = RES_TYPES.filter(function (t) { return cnt[t]; });
        Object.keys(cnt).forEach(function (t) { if (cnt[t] && types.indexOf(t) < 0) types.push(t); });
        if (!types.length) return P.failRow(tbody, 3, 'No resources measured in this time range');
        tbody.innerHTML = types.map(function (t) {
          return '<tr data-type="' + esc(t) + '"><td>' + esc(t) + '</td><td>' + esc(PerfChart.formatValue(sum[t] / cnt[t], 'bytes')) +
            '</td><td>' + P.fmtInt(cnt[t]) + '</td></tr>';
        }).join('');
      }, function (e) {
        ctx.errors.push(P.errorText('Resource weight', e));
        if (current(ctx)) P.failRow($('vitals-res-table').querySelector('tbody'), 3, 'Query failed');
      }));
      return Promise.all(jobs);
    }
  };

  // ---- journeys page ---------------------------------------------------------------

  function funnelRow(stage, label, n, started, extra, hot) {
    var f = started ? n / started : 0;
    return '<div class="fn-row' + (hot ? ' is-bottleneck' : '') + '" data-stage="' + stage + '"' + (stage === 'step' ? ' data-step="' + esc(label) + '"' : '') + '>' +
      '<span class="fn-label" title="' + esc(label) + '">' + esc(label) + '</span><span class="fn-track"><i style="width:' +
      Math.max(0, Math.min(100, f * 100)).toFixed(2) + '%"></i></span><span class="fn-count">' + P.fmtInt(n) + '</span>' +
      '<span class="fn-pct">' + P.fmtPct(f) + '</span><span class="fn-note">' + (extra || '') + '</span></div>';
  }

  function journeyCard(j) {
    var steps = j.steps || [], bn = j.bottleneck || null, started = j.started || 0, atSteps = 0;
    steps.forEach(function (s) { atSteps += s.abandonedHere || 0; });
    var before = isNum(j.abandonedAtStart) ? +j.abandonedAtStart : Math.max(0, (j.abandoned || 0) - atSteps);
    var funnel = funnelRow('started', 'Started', started, started) + steps.map(function (s) {
      return funnelRow('step', s.name, s.reached || 0, started, s.abandonedHere ? '−' + P.fmtInt(s.abandonedHere) + ' abandoned here' : '', bn && bn.step === s.name);
    }).join('') + funnelRow('completed', 'Completed', j.completed || 0, started,
      j.failed ? P.fmtInt(j.failed) + ' failed' : '');
    var facts = [['started', 'Started', P.fmtInt(started)], ['completed', 'Completed', P.fmtInt(j.completed) + ' <span class="muted">' + P.fmtPct(started ? j.completed / started : null) + '</span>'],
      ['failed', 'Failed', P.fmtInt(j.failed)], ['abandoned', 'Abandoned', P.fmtInt(j.abandoned)], ['open', 'Open', P.fmtInt(j.open)],
      ['target', isNum(j.targetMs) ? 'Within ' + esc(P.fmtMs(j.targetMs)) : 'Target', isNum(j.targetMs) ? P.fmtPct(j.completedWithinTarget) +
        ' <span class="muted">of completed</span>' : '<span class="muted">none set</span>'],
      ['duration', 'Duration p50 / p95', esc(P.fmtMs(j.durationP50)) + ' / ' + esc(P.fmtMs(j.durationP95))]];
    var abandonedAt = steps.filter(function (s) { return s.abandonedHere; }).map(function (s) {
      return '<li data-step="' + esc(s.name) + '"><b>' + P.fmtInt(s.abandonedHere) + '</b> after <code>' + esc(s.name) + '</code></li>';
    }).join('') + (before ? '<li data-step=""><b>' + P.fmtInt(before) + '</b> before the first step</li>' : '');
    var reasons = (j.failReasons || []).map(function (r) {
      return '<li><b>' + P.fmtInt(r.count) + '</b> ' + esc(r.reason || '(no reason)') + '</li>';
    }).join('');
    return '<div class="card journey" data-journey-type="' + esc(j.type) + '">' +
      '<div class="card-head"><h2 class="journey-title">' + esc(j.type) + '</h2></div>' +
      '<div class="jfacts">' + facts.map(function (f) {
        return '<span data-fact="' + f[0] + '"><b>' + f[1] + '</b> ' + f[2] + '</span>';
      }).join('') + '</div>' +
      (bn ? '<div class="bottleneck" data-step="' + esc(bn.step) + '" data-reason="' + esc(bn.reason) + '"><b>Bottleneck: <code>' + esc(bn.step) +
        '</code></b> — ' + (bn.reason === 'drop-off' ? 'largest drop-off' : bn.reason === 'slowest' ? 'slowest step' : esc(bn.reason)) +
        (bn.detail ? ': ' + esc(bn.detail) : '') + '</div>' : '') +
      '<div class="journey-body"><div class="funnel">' + funnel + '</div><div class="jside">' +
      '<h3>Abandoned <span class="muted">' + P.fmtInt(j.abandoned) + '</span></h3>' + (abandonedAt ? '<ul class="jlist abandoned-at">' + abandonedAt + '</ul>' : '<p class="muted none">None</p>') +
      '<h3>Failed <span class="muted">' + P.fmtInt(j.failed) + '</span></h3>' + (reasons ? '<ul class="jlist fail-reasons">' + reasons + '</ul>' : '<p class="muted none">None</p>') +
      '</div></div>' +
      '<table class="table steps-table"><thead><tr><th class="txt">Step</th><th>Reached</th><th>Abandoned here</th><th>p50</th><th>p95</th></tr></thead><tbody>' +
      (steps.length ? steps.map(function (s) {
        var hot = bn && bn.step === s.name;
        return '<tr data-step="' + esc(s.name) + '"' + (hot ? ' class="is-bottleneck"' : '') + '><td>' + esc(s.name) +
          (hot ? ' <span class="badge badge-error">bottleneck</span>' : '') + '</td><td>' + P.fmtInt(s.reached) + '</td><td>' +
          P.fmtInt(s.abandonedHere || 0) + '</td><td>' + esc(P.fmtMs(s.p50)) + '</td><td>' + esc(P.fmtMs(s.p95)) + '</td></tr>';
      }).join('') : '<tr class="empty-row"><td colspan="5">No steps recorded</td></tr>') +
      '</tbody></table><p class="muted step-note">Step times are from the previous step (or the start) to this step.</p></div>';
  }

  var journeysPage = {
    refresh: function (ctx) {
      var w = P.timeWindow();
      return api('/api/v1/journeys', range(w)).then(function (res) {
        if (!current(ctx)) return;
        var list = res.journeys || [];
        $('journeys-list').innerHTML = list.map(journeyCard).join('');
        var n = list.reduce(function (a, j) { return a + (j.started || 0); }, 0);
        $('journeys-meta').textContent = list.length + (list.length === 1 ? ' journey type' : ' journey types') + ' · ' + P.fmtInt(n) + ' started';
        P.showEmpty('journeys-empty', list.length ? '' : '<p>No journeys in this time range. With the browser snippet installed ' +
          '(see <a href="' + esc(P.pageLink('vitals')) + '">Web Vitals</a>), mark one in your page code:</p>' +
          '<pre>var j = perfwatch.journey.start(\'booking\', { targetMs: 5000 });\nj.step(\'select\');\nj.step(\'pay\');\nj.complete();   // or j.fail(\'card declined\')</pre>');
      }, function (e) {
        ctx.errors.push(P.errorText('Journeys', e));
        if (!current(ctx)) return;
        $('journeys-list').innerHTML = '';
        $('journeys-meta').textContent = '';
        P.showEmpty('journeys-empty', '<p>Failed to load journeys: see the error above.</p>');
      });
    }
  };

  // ---- errors page -----------------------------------------------------------------

  function ago(ms) {
    if (!isNum(ms)) return '—';
    var s = Math.max(0, (Date.now() - ms) / 1000);
    if (s < 45) return 'just now';
    var units = [[60, 'min', 60], [3600, 'h', 24], [86400, 'd', 1e9]];
    for (var i = 0; i < units.length; i++) {
      var n = Math.round(s / units[i][0]);
      if (n < units[i][2] || i === units.length - 1) return Math.max(1, n) + ' ' + units[i][1] + ' ago';
    }
  }

  var errorsPage = {
    data: null,
    open: {},
    render: function () {
      var table = $('errors-table'), tbody = table.querySelector('tbody'), spec = P.sortSpec('-count'), open = this.open;
      P.markSorted(table, spec);
      if (!this.data) return;
      if (!this.data.length) return P.failRow(tbody, 6, 'No JavaScript errors in this time range');
      tbody.innerHTML = P.sortList(this.data, spec).map(function (x) {
        var on = !!open[x.fingerprint], pages = x.pages || [], where = x.source ? x.source + (x.line ? ':' + x.line + (x.column ? ':' + x.column : '') : '') : '';
        return '<tr class="err-row' + (on ? ' is-open' : '') + '" data-fingerprint="' + esc(x.fingerprint) + '">' +
          '<td class="txt err-msg"><button type="button" class="wf-toggle" aria-expanded="' + on + '" title="Show/hide the stack">' + (on ? '▾' : '▸') +
          '</button><span class="err-text" title="' + esc(x.message || '') + '">' + esc(x.message || '(no message)') + '</span>' +
          (where ? '<span class="sub">' + esc(where) + '</span>' : '') + '</td>' +
          '<td class="txt"><span class="badge ' + (x.kind === 'rejection' ? 'badge-warn' : 'badge-error') + '">' + esc(x.kind || 'error') + '</span></td>' +
          '<td>' + P.fmtInt(x.count) + '</td><td class="txt err-pages" title="' + esc(pages.join('\n')) + '">' +
          esc(pages.slice(0, 3).join(', ')) + (pages.length > 3 ? ' <span class="muted">+' + (pages.length - 3) + '</span>' : '') + '</td>' +
          '<td title="' + esc(P.fmtWhen(x.firstSeen)) + '">' + esc(ago(x.firstSeen)) + '</td>' +
          '<td title="' + esc(P.fmtWhen(x.lastSeen)) + '">' + esc(ago(x.lastSeen)) + '</td></tr>' +
          '<tr class="err-stack" data-fingerprint="' + esc(x.fingerprint) + '"' + (on ? '' : ' hidden') + '><td colspan="6"><pre>' +
          esc(x.stack || (x.message || '') + (where ? '\n    at ' + where : '') + '\n(no stack recorded)') + '</pre></td></tr>';
      }).join('');
    },
    refresh: function (ctx) {
      var self = this, w = P.timeWindow();
      return api('/api/v1/errors', range(w)).then(function (res) {
        if (!current(ctx)) return;
        var list = res.errors || [], n = list.reduce(function (a, x) { return a + (x.count || 0); }, 0);
        self.data = list;
        self.render();
        $('errors-meta').textContent = list.length + (list.length === 1 ? ' distinct error' : ' distinct errors') +
          (list.length >= 200 ? ' (the 200 most frequent)' : '') + ' · ' +
          P.fmtInt(n) + (n === 1 ? ' occurrence' : ' occurrences');
        P.showEmpty('errors-empty', list.length ? '' : '<p>No uncaught errors or unhandled rejections were reported in this time range. ' +
          'Errors are captured by the browser snippet (see <a href="' + esc(P.pageLink('vitals')) + '">Web Vitals</a> to install it).</p>');
      }, function (e) {
        ctx.errors.push(P.errorText('Errors', e));
        if (!current(ctx)) return;
        self.data = null;
        P.failRow($('errors-table').querySelector('tbody'), 6, 'Failed to load errors: see the error above');
        $('errors-meta').textContent = '';
        P.showEmpty('errors-empty', '');
      });
    }
  };

  // ---- wiring --------------------------------------------------------------------------

  P.bindSort($('vitals-table'), '-samples', function () { vitalsPage.render(); });
  P.bindSort($('errors-table'), '-count', function () { errorsPage.render(); });
  $('vitals-device').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-device]');
    if (!b) return;
    P.setParam('device', b.getAttribute('data-device'));
    P.writeHash();
    vitalsPage.enter();
    P.refresh();
  });
  $('vitals-table').querySelector('tbody').addEventListener('click', function (e) {
    if (e.target.closest('a, button') || String(window.getSelection ? window.getSelection() : '')) return;
    var tr = e.target.closest('tr[data-href]');
    if (tr) location.hash = tr.getAttribute('data-href');
  });
  $('errors-table').querySelector('tbody').addEventListener('click', function (e) {
    var tr = e.target.closest('tr.err-row');
    if (!tr || (!e.target.closest('button') && String(window.getSelection ? window.getSelection() : ''))) return;
    var fp = tr.getAttribute('data-fingerprint'), on = !errorsPage.open[fp];
    if (on) errorsPage.open[fp] = true; else delete errorsPage.open[fp];
    tr.classList.toggle('is-open', on);
    var b = tr.querySelector('.wf-toggle');
    b.textContent = on ? '▾' : '▸';
    b.setAttribute('aria-expanded', String(on));
    if (tr.nextElementSibling) tr.nextElementSibling.hidden = !on;
  });

  P.pages.vitals = vitalsPage;
  P.pages.journeys = journeysPage;
  P.pages.errors = errorsPage;
})();

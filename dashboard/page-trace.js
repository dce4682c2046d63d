/* Perfwatch dashboard: the trace page (#/trace/ID[?span=SPAN]): the waterfall of a trace's spans
 * (collapsible, self time shaded, events marked) and the selected span's details.
 * API: GET /api/v1/traces/{id}. */
import { api, errorText } from './api.js';
import { routeLink } from './apm.js';
import { $, showEmpty } from './dom.js';
import { esc, fmtMs, fmtWhen, isNum } from './format.js';
import { current, pageLink, state, writeHash } from './router.js';

// Stable colour per service name within a page; no reds, those mark errors.
var SERVICE_COLORS = ['#2563eb', '#0891b2', '#7c3aed', '#16a34a', '#d97706', '#4f46e5', '#0d9488', '#65a30d', '#9333ea', '#0284c7'];
function serviceColors(names) {
  var map = {};
  names.slice().sort().forEach(function (n, i) {
    if (!(n in map)) map[n] = SERVICE_COLORS[i] || 'hsl(' + (200 + (i * 47) % 140) + ',55%,45%)';
  });
  return map;
}

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
      if (!current(ctx) || self.id !== id) return;
      var sig = JSON.stringify(res);
      if (sig === self.sig) { self.select(state.params.get('span'), false); return; } // unchanged: keep the DOM
      self.sig = sig;
      self.load(res);
    }, function (e) {
      if (!current(ctx) || self.id !== id) return;
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
      // Duration label after the bar (the track keeps a right margin for it); a bar reaching the far end puts it
      // before the bar when the bar starts late, else inside the bar's end (after it, a long label was clipped).
      var labelPos = l + w <= 80 ? 'left:' + pct(l + w) : l >= 30 ? 'right:' + pct(100 - l) : 'right:' + pct(100 - l - w);
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

tracePage.init = function () {
  var resizeTimer = 0;
  window.addEventListener('resize', function () { // the axis ticks depend on the width
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (state.page === 'trace' && tracePage.t) tracePage.toggle(null); }, 150);
  });
  $('trace-waterfall').addEventListener('click', function (e) {
    var row = e.target.closest('.wf-row');
    if (!row) return;
    var id = row.getAttribute('data-span-id');
    if (e.target.closest('.wf-toggle')) { tracePage.toggle(id); return; }
    tracePage.select(id, true);
  });
};

export default tracePage;

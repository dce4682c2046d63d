/* Perfwatch dashboard: the page frame every page runs in. A hash is #/PAGE[/ARG][?params]
 * (ARG is e.g. the trace id of #/trace/ID); the pages come from the page table (pages.js),
 * handed to start() by app.js. Each page is { init?(), enter?(), refresh(ctx) }: init wires its
 * controls once, enter runs when the route changes to it, refresh(ctx) loads and draws, pushing
 * error texts to ctx.errors (shown in the banner when the refresh ends) and drawing only while
 * current(ctx). This module also owns the time range controls, live refresh from
 * /api/v1/events and onRefresh hooks (e.g. the nav's alert badge). */
import { qs, errorText } from './api.js';
import { showErrors, queueError, takeQueuedErrors, initBanner } from './banner.js';
import { $ } from './dom.js';

var RANGES = { '15m': 15 * 60e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 };
// Multiples of the server's rollup resolutions (10s, 1m, 1h) so buckets never alias.
var STEPS = [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]; // seconds
var MAX_POINTS = 300;
// Detail pages highlight their list page in the nav.
var NAV_PARENT = { route: 'routes', trace: 'traces', board: 'dashboards' };
var PAGES = {};
var refreshHooks = [];

export var state = {
  page: 'overview',
  missing: '',  // the #/path of an unknown page (the not-found page names it)
  arg: '',
  params: new URLSearchParams(),
  autoRefresh: true,
  seq: 0,
  inFlight: false,
  pending: false,
  lastRefresh: 0,
  timer: null
};

// Whether the refresh ctx is still the latest (an older one must not draw).
export function current(ctx) { return ctx.seq === state.seq; }

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

export function timeWindow(maxPoints) {
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

// ---- links ----------------------------------------------------------------------

export function rangePairs() {
  var out = [];
  ['range', 'from', 'to'].forEach(function (k) { if (state.params.get(k)) out.push([k, state.params.get(k)]); });
  return out;
}

// Links keep the selected time range.
export function pageLink(page, pairs) {
  var s = qs((pairs || []).concat(rangePairs()));
  return '#/' + page + (s ? '?' + s : '');
}

// ---- routing ----------------------------------------------------------------

function parseHash() {
  var h = location.hash.replace(/^#\/?/, ''), q = h.indexOf('?');
  var path = q >= 0 ? h.slice(0, q) : h, slash = path.indexOf('/');
  var page = (slash >= 0 ? path.slice(0, slash) : path) || 'overview', arg = slash >= 0 ? path.slice(slash + 1) : '';
  try { arg = decodeURIComponent(arg); } catch (e) { /* keep it raw */ }
  state.params = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
  state.missing = PAGES[page] ? '' : page + (arg ? '/' + arg : '');
  if (!PAGES[page]) { page = 'notfound'; arg = ''; }
  state.page = page;
  state.arg = arg;
}

// An unknown #/path says so and links every page (issue 15: it used to show the Overview without a word).
function showNotFound() {
  $('notfound-text').textContent = 'There is no page #/' + state.missing + ' in this dashboard. The pages:';
  var items = [];
  document.querySelectorAll('.nav-link[data-page]').forEach(function (a) {
    items.push('<li><a class="notfound-link" href="#/' + a.getAttribute('data-page') + '">' + a.firstChild.textContent + '</a></li>');
  });
  $('notfound-links').innerHTML = items.join('');
}

export function writeHash() {
  var pairs = [];
  state.params.forEach(function (v, k) { pairs.push([k, v]); });
  var s = qs(pairs);
  history.replaceState(null, '', '#/' + state.page + (state.arg ? '/' + encodeURIComponent(state.arg) : '') + (s ? '?' + s : ''));
  syncNav();
}

export function setParam(key, values) {
  state.params.delete(key);
  [].concat(values).forEach(function (v) { if (v !== '' && v != null) state.params.append(key, v); });
}

function syncNav() {
  var keep = rangePairs();
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
  $('page-' + state.page).hidden = false;
  if (state.page === 'notfound') { showNotFound(); return; }
  if (PAGES[state.page].enter) PAGES[state.page].enter();
  refresh();
}

// ---- refresh scheduling -------------------------------------------------------

export function refresh() {
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
    // Errors of writes queued since the last shown refresh come first (a superseded refresh leaves them).
    showErrors(takeQueuedErrors().concat(ctx.errors));
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

// A refresh hook runs with every refresh, before the page's own (fn(ctx)).
export function onRefresh(fn) { refreshHooks.push(fn); }

// The one way a button or form reports a failed write: the banner, shown by the refresh that follows.
export function reportError(context, e) {
  queueError(e === undefined ? context : errorText(context, e));
  refresh();
}

// Queued like reportError, for a caller that refreshes itself once its write settled.
export function deferError(context, e) {
  queueError(e === undefined ? context : errorText(context, e));
}

// ---- start ----------------------------------------------------------------------------

export function start(pages) {
  PAGES = pages;
  initBanner();

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
  Object.keys(PAGES).forEach(function (id) { if (PAGES[id].init) PAGES[id].init(); });

  window.addEventListener('hashchange', onRoute);
  setInterval(function () { if (state.autoRefresh && !document.hidden) scheduleRefresh(); }, 30000);
  connectEvents();
  if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/overview');
  onRoute();
}

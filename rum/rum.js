// Perfwatch real-user monitoring snippet (issue 4). Served by `perfwatch serve` at /rum.js.
// Wire format: docs/formats/rum-beacon.md. Embed it as
//   <script src="https://perfwatch.example/rum.js" data-key="PUBLIC_KEY" async></script>
// Optional attributes: data-endpoint, data-sample-rate (0..1), data-release, data-routes.
//
// Ground rules, because this runs inside other people's pages:
// - it never throws into the page: every entry point (observer callback, event listener,
//   timer, public method) catches its own exceptions;
// - it never changes the page's behaviour: no preventDefault, no console output, no
//   globals except window.perfwatch;
// - metric semantics follow Google's web-vitals library (LCP, CLS, INP, FCP, TTFB).
// Comments are full-line `//` only, so scripts/minify_rum.py can drop them safely.
(function (w, d) {
'use strict';
var P = w.performance, N = w.navigator, PO = w.PerformanceObserver, S = d.currentScript;
var on = false, key, endpoint, rel, route, sid, ref = '', url = location.pathname;
var pv = rid(), seq = 0, nerr = 0, timer = 0, vitalsSent = false;
// Queued, not yet sent: error records and finished-journey records.
var errs = [], jrs = [];
// Journeys started and not yet completed, failed or abandoned.
var open = [];
// [observer, entry callback] pairs, so takeRecords() can drain them before a report.
var observers = [];
var pnow = P && P.now ? function () { return P.now(); } : Date.now;

// 16 random hex digits: page-view and session ids need to be unique, not unguessable.
function rid() {
  return (Math.random().toString(16) + Math.random().toString(16)).replace(/0\./g, '').slice(0, 16);
}

// Rounds a duration to 0.1 ms.
function r(x) {
  return Math.round(x * 10) / 10;
}

function max0(x) {
  return x > 0 ? x : 0;
}

// String(x) cut to n characters; '' when x is null/undefined or cannot be stringified.
function str(x, n) {
  try {
    return x == null ? '' : String(x).slice(0, n);
  } catch (e) {
    return '';
  }
}

function each(list, cb) {
  for (var i = 0; i < list.length; i++) {
    try {
      cb(list[i]);
    } catch (e) {}
  }
}

function listen(target, type, fn) {
  try {
    target.addEventListener(type, function (e) {
      try {
        fn(e);
      } catch (x) {}
    }, true);
  } catch (e) {}
}

// ---- Journeys: window.perfwatch.journey --------------------------------------------
// The API exists even when this page view is not sampled (or misconfigured), so page
// code can call it unconditionally; such journeys are simply never sent.

function Journey(type, opts) {
  var t;
  try {
    t = +opts.targetMs;
  } catch (e) {}
  this.id = pv + '-' + ++seq;
  this.type = str(type, 64);
  if (t > 0) this.target = t;
  this.start = Date.now();
  this.t0 = pnow();
  this.steps = [];
  this.state = 'open';
  open.push(this);
}

Journey.prototype.step = function (name) {
  try {
    if (this.state == 'open' && this.steps.length < 50) {
      this.steps.push({ name: str(name, 100), t: r(pnow() - this.t0) });
    }
  } catch (e) {}
  return this;
};

Journey.prototype.complete = function () {
  return this.end('completed');
};

Journey.prototype.fail = function (reason) {
  return this.end('failed', reason);
};

// Closes the journey once (later calls are ignored) and queues it for the next beacon,
// which is due within a second so that short sessions do not lose it.
Journey.prototype.end = function (state, reason) {
  try {
    if (this.state == 'open') {
      this.state = state;
      if (reason != null) this.reason = str(reason, 200);
      this.stop = Math.round(this.start + pnow() - this.t0);
      open.splice(open.indexOf(this), 1);
      if (on) {
        jrs.push(record(this));
        soon();
      }
    }
  } catch (e) {}
  return this;
};

// The wire form of a journey (a copy: steps may still be added to an open journey).
function record(j) {
  return {
    id: j.id,
    type: j.type,
    target: j.target,
    start: j.start,
    steps: j.steps.slice(),
    state: j.state,
    reason: j.reason,
    end: j.stop
  };
}

var pw = (w.perfwatch = w.perfwatch || {});
// Loaded twice: the first copy does the work.
if (pw.journey) return;
pw.journey = {
  start: function (type, opts) {
    return new Journey(type, opts);
  },
  // The most recently started open journey of this type, or null.
  current: function (type) {
    for (var i = open.length - 1; i >= 0; i--) if (open[i].type == type) return open[i];
    return null;
  }
};

// ---- Configuration -------------------------------------------------------------------
try {
  var ds = (S && S.dataset) || {};
  var rate = ds.sampleRate == null ? 1 : parseFloat(ds.sampleRate);
  key = ds.key;
  rel = ds.release;
  endpoint = new URL(ds.endpoint || new URL(S.src, location.href).origin + '/api/v1/rum', location.href).href;
  // Sampling is decided once per page view; rate 1 always passes, 0 never does, and a
  // value that is not a number from 0 up counts as 1.
  on = !!key && !!P && (rate >= 0 ? Math.random() < rate : true) && !!(N.sendBeacon || w.fetch);
  route = matchRoute(url, (ds.routes || '').split(','));
} catch (e) {
  // A missing script element, key or URL API leaves `on` false: nothing is measured.
}
if (!on) return;
try {
  if (d.referrer) {
    var u = new URL(d.referrer);
    ref = u.origin + u.pathname;
  }
} catch (e) {}

// The first pattern that matches path, or undefined. Pattern segments ":name" match any
// one non-empty segment; a final "*" matches the rest; trailing slashes are ignored.
function matchRoute(path, patterns) {
  var segs = trim(path).split('/');
  for (var i = 0; i < patterns.length; i++) {
    var p = patterns[i].trim(), ps = trim(p).split('/'), j = 0;
    while (j < ps.length && j < segs.length && (ps[j] == segs[j] || (ps[j][0] == ':' && segs[j]))) j++;
    if (p && (j == ps.length ? j == segs.length : ps[j] == '*' && j == ps.length - 1)) return p;
  }
}

function trim(p) {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

// ---- Performance observers -----------------------------------------------------------
var types = (PO && PO.supportedEntryTypes) || [];

// Observes `type` with buffered: true (entries from before this script loaded included).
// Unsupported types are skipped up front, because observe() would log a console warning.
function obs(type, cb, opts) {
  if (types.indexOf(type) < 0) return false;
  try {
    // each() guards every entry's callback.
    var po = new PO(function (list) {
      each(list.getEntries(), cb);
    });
    opts = opts || {};
    opts.type = type;
    opts.buffered = true;
    po.observe(opts);
    observers.push([po, cb]);
    return true;
  } catch (e) {
    return false;
  }
}

// Delivers entries the browser has recorded but not yet handed to the callbacks.
function drain() {
  each(observers, function (o) {
    each(o[0].takeRecords(), o[1]);
  });
}

var nav;
try {
  nav = P.getEntriesByType('navigation')[0];
} catch (e) {}
// Prerendered pages count from activation, as web-vitals does.
var act = (nav && nav.activationStart) || 0;

// Entries after the page was first hidden do not count towards LCP/FCP. The page may
// have been hidden before this async script ran: visibility-state entries tell.
var hiddenAt = d.visibilityState == 'hidden' && !d.prerendering ? 0 : Infinity;
try {
  each(P.getEntriesByType('visibility-state'), function (e) {
    if (e.name == 'hidden' && e.startTime < hiddenAt) hiddenAt = e.startTime;
  });
} catch (e) {}

// FCP. fcpAt keeps the raw start time (the long-task timeline), fcp the reported value.
var fcp, fcpAt;
obs('paint', function (e) {
  if (e.name == 'first-contentful-paint' && e.startTime < hiddenAt) {
    fcpAt = e.startTime;
    fcp = max0(e.startTime - act);
  }
});

// LCP: the latest candidate until the first input or the first hide.
var lcp, lcpDone = false;
obs('largest-contentful-paint', function (e) {
  if (!lcpDone && e.startTime < hiddenAt) lcp = max0(e.startTime - act);
});

function stopLcp() {
  if (!lcpDone) {
    drain();
    lcpDone = true;
  }
}
each(['keydown', 'pointerdown', 'click'], function (t) {
  listen(w, t, stopLcp);
});

// CLS: shifts without recent input, grouped into session windows (a new window after a
// 1 s gap or once a window spans 5 s); the value is the largest window's sum.
var cls = 0, win = 0, winFirst = 0, winLast = 0;
var clsOn = obs('layout-shift', function (e) {
  if (e.hadRecentInput) return;
  if (win && e.startTime - winLast < 1000 && e.startTime - winFirst < 5000) {
    win += e.value;
  } else {
    win = e.value;
    winFirst = e.startTime;
  }
  winLast = e.startTime;
  if (win > cls) cls = win;
});

// INP: the longest duration per interaction (interactionId), from Event Timing entries
// of 40 ms or more plus first-input.
var ints = {}, minId = Infinity, maxId = 0;
function onEvent(e) {
  var id = e.interactionId;
  if (!id) return;
  if (id < minId) minId = id;
  if (id > maxId) maxId = id;
  if (!(ints[id] >= e.duration)) ints[id] = e.duration;
}
obs('event', onEvent, { durationThreshold: 40 });
obs('first-input', onEvent);

// The worst interaction, except that one worst is skipped per 50 interactions (a p98
// approximation), looking at the 10 longest, as web-vitals does. The interaction count is
// performance.interactionCount where available, else estimated from the span of
// interactionIds seen (Chromium hands them out in steps of 7).
function inp() {
  var l = [], k, n;
  for (k in ints) l.push(ints[k]);
  if (!l.length) return;
  l.sort(function (a, b) {
    return b - a;
  });
  n = P.interactionCount || Math.max(l.length, (maxId - minId) / 7 + 1);
  return l[Math.min(l.length - 1, 9, Math.floor(n / 50))];
}

// Long tasks, for total blocking time (computed at report time, once FCP is known).
var tasks = [];
var tbtOn = obs('longtask', function (e) {
  if (tasks.length < 500) tasks.push([e.startTime, e.duration]);
});

// Resources by kind: count, transfer bytes, decoded body bytes. Our own beacons excluded.
var res = {};
var resOn = obs('resource', function (e) {
  if (e.name.indexOf(endpoint) == 0) return;
  var k = kind(e);
  var b = res[k] || (res[k] = { n: 0, b: 0, d: 0 });
  b.n++;
  b.b += e.transferSize || 0;
  b.d += e.decodedBodySize || 0;
});

// The file extension decides first (a font or image fetched from CSS has initiatorType
// "css"); then the initiator type.
function kind(e) {
  var i = e.initiatorType, x = /\.(\w+)$/.exec(e.name.split(/[?#]/)[0].split('/').pop());
  x = x ? x[1].toLowerCase() : '';
  if (/^[mc]?js$/.test(x)) return 'script';
  if (x == 'css') return 'stylesheet';
  if (/^(png|jpe?g|gif|webp|avif|svg|ico|bmp)$/.test(x)) return 'image';
  if (/^(woff2?|ttf|otf|eot)$/.test(x)) return 'font';
  return i == 'script' ? 'script' : i == 'link' ? 'stylesheet' : /^im(g|age)$/.test(i) ? 'image' : 'other';
}

// ---- Report assembly -----------------------------------------------------------------

// The session id lives in sessionStorage. The first access to it costs a synchronous round
// trip to the browser process (1-4 ms measured), so it is made when the page is idle after
// load, or at the first beacon if that comes first.
function readSid() {
  if (sid !== undefined) return;
  sid = null;
  try {
    sid = sessionStorage.getItem('pw_sid');
    if (!sid) sessionStorage.setItem('pw_sid', (sid = rid()));
  } catch (e) {
    // Storage blocked: beacons go without a session id.
  }
}

function idle() {
  try {
    if (w.requestIdleCallback) requestIdleCallback(readSid, { timeout: 5000 });
    else setTimeout(readSid, 1000);
  } catch (e) {}
}
if (d.readyState == 'complete') idle();
else listen(w, 'load', idle);

// Fields of every beacon. The viewport is read now, so a rotated phone reports its
// current shape.
function base() {
  readSid();
  var o = { v: 1, key: key, pv: pv, sid: sid || undefined, url: url, route: route, ref: ref, rel: rel };
  var c = N.connection;
  o.t = Math.round(P.timeOrigin || Date.now() - pnow());
  o.vw = w.innerWidth;
  o.vh = w.innerHeight;
  if (c && c.effectiveType) o.ct = c.effectiveType;
  return o;
}

// b - a in ms, or undefined when b was not reached (the timing API reports 0 then).
function span(a, b) {
  return b > 0 && a >= 0 && b >= a ? r(b - a) : undefined;
}

function nonEmpty(o) {
  for (var k in o) if (o[k] !== undefined) return o;
}

// Vitals, navigation breakdown, TBT and resources: once per page view, at the first hide.
function pageFields(o) {
  var v = {}, x;
  drain();
  lcpDone = true;
  if (lcp !== undefined) v.lcp = r(lcp);
  if (fcp !== undefined) v.fcp = r(fcp);
  // As in web-vitals, CLS is reported once the page has painted.
  if (clsOn && fcp !== undefined) v.cls = Math.round(cls * 1e5) / 1e5;
  x = inp();
  if (x !== undefined) v.inp = r(x);
  if (nav && nav.responseStart > 0 && nav.responseStart < pnow()) {
    v.ttfb = r(max0(nav.responseStart - act));
  }
  o.vitals = nonEmpty(v);
  if (nav) {
    o.nt = nav.type;
    o.nav = nonEmpty({
      dns: span(nav.domainLookupStart, nav.domainLookupEnd),
      connect: span(nav.connectStart, nav.connectEnd),
      tls: nav.secureConnectionStart > 0 ? span(nav.secureConnectionStart, nav.connectEnd) : undefined,
      request: span(nav.requestStart, nav.responseStart),
      response: span(nav.responseStart, nav.responseEnd),
      dom: span(nav.responseEnd, nav.domContentLoadedEventEnd || nav.domComplete),
      load: span(nav.startTime, nav.loadEventEnd)
    });
  }
  // TBT: each long task blocks from 50 ms after its start to its end; summed over the part
  // after FCP. Lighthouse stops at TTI, which real users do not have: this stops now.
  if (tbtOn && fcpAt !== undefined) {
    x = 0;
    each(tasks, function (t) {
      x += max0(t[0] + t[1] - Math.max(t[0] + 50, fcpAt));
    });
    o.tbt = r(x);
  }
  if (resOn) o.res = nonEmpty(res);
}

// UTF-8 size of s. (new Blob([s]).size would cost a synchronous IPC in Chromium.)
function bytes(s) {
  try {
    return new TextEncoder().encode(s).length;
  } catch (e) {
    return s.length * 3;
  }
}

// Sends what is queued, split into beacons below 60000 bytes of JSON (sendBeacon and
// keepalive fetch allow 64 KiB in flight per page). `final` adds the page fields (once
// per page view); `extra` are open-journey progress records.
function flush(final, extra) {
  try {
    clearTimeout(timer);
    timer = 0;
    var o = base(), any = false, size, it, s;
    if (final && !vitalsSent) {
      vitalsSent = any = true;
      pageFields(o);
    }
    var items = errs.splice(0).map(function (e) {
      return ['errors', e];
    }).concat(jrs.splice(0).concat(extra).map(function (j) {
      return ['journeys', j];
    }));
    size = bytes(JSON.stringify(o));
    while (items.length) {
      it = items[0];
      s = bytes(JSON.stringify(it[1])) + 16;
      if (any && size + s > 60000) {
        post(o);
        o = base();
        size = bytes(JSON.stringify(o));
        any = false;
      }
      items.shift();
      (o[it[0]] = o[it[0]] || []).push(it[1]);
      size += s;
      any = true;
    }
    if (any) post(o);
  } catch (e) {}
}

// A string body goes as text/plain;charset=UTF-8, which keeps the request CORS-simple (no
// preflight). Not a Blob: registering a Blob is a synchronous IPC in Chromium (1-10 ms
// measured), a string is not.
function post(o) {
  var body = JSON.stringify(o);
  try {
    if (N.sendBeacon && N.sendBeacon(endpoint, body)) return;
  } catch (e) {}
  try {
    fetch(endpoint, {
      method: 'POST',
      body: body,
      keepalive: true,
      headers: { 'content-type': 'text/plain' },
      mode: 'cors',
      credentials: 'omit'
    }).catch(function () {});
  } catch (e) {}
}

function soon() {
  if (on && !timer) {
    timer = setTimeout(function () {
      flush(false, []);
    }, 1000);
  }
}

// ---- Errors --------------------------------------------------------------------------
// Listeners only read the event: the page's own error handling is untouched.

function addError(kind, msg, src, line, col, err) {
  // At most 10 errors per page view.
  if (nerr >= 10) return;
  nerr++;
  var e = { kind: kind, msg: str(msg, 500), t: Date.now() };
  if (src) e.src = str(src, 300).split(/[?#]/)[0];
  if (line > 0) e.line = line;
  if (col > 0) e.col = col;
  if (err && err.stack) e.stack = str(err.stack, 3000);
  errs.push(e);
  soon();
}

listen(w, 'error', function (e) {
  // Resource load failures (seen in the capture phase) are plain Events without a message.
  if (e.message != null || e.error) addError('error', e.message, e.filename, e.lineno, e.colno, e.error);
});

listen(w, 'unhandledrejection', function (e) {
  var x = e.reason;
  addError('rejection', x && x.message != null ? x.message : x, '', 0, 0, x);
});

// ---- Page lifecycle ------------------------------------------------------------------
// Hidden: final LCP, the page-view beacon (first time only), open journeys as progress
// reports. Pagehide (the page goes away): open journeys become abandoned.

function hide(gone) {
  var extra = [];
  stopLcp();
  each(open.slice(), function (j) {
    if (gone) j.end('abandoned');
    else extra.push(record(j));
  });
  flush(true, extra);
}

listen(d, 'visibilitychange', function (e) {
  if (d.visibilityState == 'hidden') {
    if (e.timeStamp < hiddenAt) hiddenAt = e.timeStamp;
    hide(false);
  }
});
listen(w, 'pagehide', function () {
  hide(true);
});
})(window, document);

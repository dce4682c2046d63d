// Reference measurements, independent of rum.js: the page records its own LCP, CLS, INP
// and FCP from PerformanceObservers into window.__reference, for tests to compare with
// what the snippet beacons. Deliberately simple; inlined by rum_browser.py at {{REFERENCE}}.
(function () {
  var R = (window.__reference = { lcp: null, fcp: null, cls: 0, inp: null, interactions: {} });
  function watch(type, fn, extra) {
    var opts = { type: type, buffered: true };
    for (var k in extra || {}) opts[k] = extra[k];
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(fn);
    }).observe(opts);
  }
  watch('paint', function (e) {
    if (e.name === 'first-contentful-paint') R.fcp = e.startTime;
  });
  // The browser stops emitting candidates at the first input, so the last one is LCP.
  watch('largest-contentful-paint', function (e) {
    R.lcp = e.startTime;
  });
  // Largest session window: shifts less than 1 s apart, a window at most 5 s long.
  var current = 0, first = 0, last = 0;
  watch('layout-shift', function (e) {
    if (e.hadRecentInput) return;
    if (current > 0 && e.startTime - last < 1000 && e.startTime - first < 5000) {
      current += e.value;
    } else {
      current = e.value;
      first = e.startTime;
    }
    last = e.startTime;
    R.cls = Math.max(R.cls, current);
  });
  // With a handful of interactions, INP is the longest one.
  watch('event', function (e) {
    if (!e.interactionId) return;
    R.interactions[e.interactionId] = Math.max(R.interactions[e.interactionId] || 0, e.duration);
    R.inp = Math.max(R.inp || 0, e.duration);
  }, { durationThreshold: 16 });
})();

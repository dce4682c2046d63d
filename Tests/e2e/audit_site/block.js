// Render-blocking: loaded synchronously in the head, it keeps the main thread busy for 400 ms before the first paint.
(function () {
  var end = Date.now() + 400;
  while (Date.now() < end) { /* busy */ }
})();

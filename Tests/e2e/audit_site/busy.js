// A 400 ms task after the first paint: after two animation frames the content has been painted.
requestAnimationFrame(function () {
  requestAnimationFrame(function () {
    setTimeout(function () {
      var end = performance.now() + 400;
      while (performance.now() < end) { /* busy */ }
    }, 0);
  });
});

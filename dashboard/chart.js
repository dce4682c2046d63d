/* Perfwatch chart module: small, dependency-free SVG line charts.
 *
 *   render(container, series, opts) -> { pointCount }
 *     series: [{ name: "route=/a", points: [[tMs, value], ...], color?: "#hex" }]
 *     opts:   { unit, from, to, step, height, legend (default true), emptyText,
 *               markers: [{ t: tMs, label: "checkout 1.2.0", kind?: "deploy" }] }
 *
 * Markers (deploys, applied optimizations) are dashed vertical lines at their time, each
 * <line class="pc-marker" data-kind data-label> with the label as a tooltip (<title>).
 *
 * One <path class="series"> per series (path strings, not one element per
 * point), so 50 series x 300 points stay cheap. The <svg> carries
 * data-point-count = number of points drawn. Hover shows a tooltip with time,
 * series and value; the legend toggles series. The chart re-renders itself
 * when its container changes width. Value and time formatting: format.js.
 */
import { esc, pad, fmtNum, unitScale, formatValue, formatTime } from './format.js';

var PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2',
  '#db2777', '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#be123c',
  '#a16207', '#9333ea', '#0284c7', '#15803d'];
var MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
var S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;
var TIME_STEPS = [S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M,
  30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 30 * D];
var clipSeq = 0;

export function color(i) {
  return i < PALETTE.length ? PALETTE[i] : 'hsl(' + ((i * 137.508) % 360).toFixed(0) + ',62%,45%)';
}

// ---- ticks ----------------------------------------------------------------

function niceStep(range, count) {
  var raw = range / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

function timeTicks(t0, t1, maxTicks) {
  var span = t1 - t0, step = TIME_STEPS[TIME_STEPS.length - 1], i;
  for (i = 0; i < TIME_STEPS.length; i++) {
    if (span / TIME_STEPS[i] <= maxTicks) { step = TIME_STEPS[i]; break; }
  }
  var off = new Date(t0).getTimezoneOffset() * M; // align to local time
  var ticks = [];
  for (var t = Math.ceil((t0 - off) / step) * step + off; t <= t1; t += step) {
    var d = new Date(t), label;
    if (step >= D) label = MON[d.getMonth()] + ' ' + d.getDate();
    else if (step < M) label = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    else if (span > D && d.getHours() === 0 && d.getMinutes() === 0) label = MON[d.getMonth()] + ' ' + d.getDate();
    else label = pad(d.getHours()) + ':' + pad(d.getMinutes());
    ticks.push({ t: t, label: label });
    if (ticks.length > 200) break;
  }
  return ticks;
}

// ---- render -----------------------------------------------------------------

export function render(container, series, opts) {
  opts = opts || {};
  series = series || [];
  var st = container.__pc || (container.__pc = { hidden: {} });
  st.args = [series, opts];
  if (!st.ro && typeof ResizeObserver !== 'undefined') {
    st.width = container.clientWidth;
    st.ro = new ResizeObserver(function () {
      var w = container.clientWidth;
      if (w && Math.abs(w - st.width) > 2) { st.width = w; render(container, st.args[0], st.args[1]); }
    });
    st.ro.observe(container);
  }
  container.classList.add('pc');

  var W = Math.max(200, container.clientWidth || 600), Hh = opts.height || 260;
  var unit = opts.unit || '';
  var list = series.map(function (s, i) {
    return { name: s.name, points: s.points || [], color: s.color || color(i), i: i, off: !!st.hidden[s.name] };
  });

  // Domains.
  var tMin = Infinity, tMax = -Infinity, vMin = Infinity, vMax = -Infinity, total = 0;
  list.forEach(function (s) {
    s.points.forEach(function (p) {
      if (p[1] === null || !isFinite(p[1])) return;
      if (p[0] < tMin) tMin = p[0];
      if (p[0] > tMax) tMax = p[0];
      if (!s.off) { if (p[1] < vMin) vMin = p[1]; if (p[1] > vMax) vMax = p[1]; }
    });
  });
  var x0 = opts.from != null ? +opts.from : tMin, x1 = opts.to != null ? +opts.to : tMax;
  if (!isFinite(x0) || !isFinite(x1)) { x1 = Date.now(); x0 = x1 - H; }
  if (x1 <= x0) { x0 -= M; x1 += M; }
  if (!isFinite(vMin)) { vMin = 0; vMax = 1; }
  if (vMin > 0) vMin = 0;
  if (vMax <= vMin) vMax = vMin + (Math.abs(vMin) || 1);
  // Ticks are chosen in display units (e.g. MiB, s) so they land on round numbers.
  var sc = unitScale(unit, Math.max(Math.abs(vMin), Math.abs(vMax)));
  var ys = niceStep((vMax - vMin) / sc.div, 4);
  var k0 = Math.floor(vMin / sc.div / ys + 1e-9), k1 = Math.ceil(vMax / sc.div / ys - 1e-9);
  if (k1 <= k0) k1 = k0 + 1;
  var y0 = k0 * ys * sc.div, y1 = k1 * ys * sc.div, yTicks = [], yLabels = [];
  for (var k = k0; k <= k1; k++) {
    yTicks.push(k * ys * sc.div);
    yLabels.push(fmtNum(+(k * ys).toPrecision(12)) + sc.suffix);
  }
  var maxLen = yLabels.reduce(function (m, l) { return Math.max(m, l.length); }, 1);

  var L = 12 + maxLen * 6.6, R = 14, T = 10, B = 24;
  var pw = W - L - R, ph = Hh - T - B;
  function tx(t) { return L + (t - x0) / (x1 - x0) * pw; }
  function vy(v) { return T + ph - (v - y0) / (y1 - y0) * ph; }
  function xt(x) { return x0 + (x - L) / pw * (x1 - x0); }

  var clipId = 'pc-clip-' + (++clipSeq);
  var h = [];
  h.push('<svg class="pc-svg" xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + Hh +
    '" viewBox="0 0 ' + W + ' ' + Hh + '" data-point-count="__COUNT__" role="img">');
  h.push('<defs><clipPath id="' + clipId + '"><rect x="' + L + '" y="' + (T - 2) + '" width="' + pw +
    '" height="' + (ph + 4) + '"/></clipPath></defs>');
  // Grid + y labels.
  h.push('<g class="pc-grid">');
  yTicks.forEach(function (v, i) {
    var y = vy(v).toFixed(1);
    h.push('<line x1="' + L + '" x2="' + (L + pw) + '" y1="' + y + '" y2="' + y + '"/>');
    h.push('<text class="pc-ylabel" x="' + (L - 6) + '" y="' + y + '" dy="0.32em" text-anchor="end">' + esc(yLabels[i]) + '</text>');
  });
  timeTicks(x0, x1, Math.max(2, Math.floor(pw / 90))).forEach(function (tk) {
    var x = tx(tk.t).toFixed(1);
    h.push('<line class="pc-vgrid" x1="' + x + '" x2="' + x + '" y1="' + T + '" y2="' + (T + ph) + '"/>');
    h.push('<text class="pc-xlabel" x="' + x + '" y="' + (T + ph + 16) + '" text-anchor="middle">' + esc(tk.label) + '</text>');
  });
  h.push('<line class="pc-axis" x1="' + L + '" x2="' + (L + pw) + '" y1="' + (T + ph) + '" y2="' + (T + ph) + '"/></g>');

  // Series paths.
  var gap = opts.step ? opts.step * 2.5 : Infinity;
  h.push('<g class="pc-lines" clip-path="url(#' + clipId + ')">');
  list.forEach(function (s) {
    var d = '', prevT = null;
    s.points.forEach(function (p) {
      if (p[1] === null || !isFinite(p[1])) { prevT = null; return; }
      total++;
      var cmd = (prevT === null || p[0] - prevT > gap) ? 'M' : 'L';
      d += cmd + tx(p[0]).toFixed(1) + ' ' + vy(p[1]).toFixed(1);
      prevT = p[0];
    });
    // A lone point (no neighbour to draw a line to) becomes a small ring.
    d = d.replace(/M([\d.-]+) ([\d.-]+)(?=M|$)/g, 'M$1 $2m-2.5 0a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0');
    h.push('<path class="series' + (s.off ? ' is-off' : '') + '" data-series="' + esc(s.name) +
      '" stroke="' + s.color + '" d="' + (d || 'M0 0') + '"/>');
  });
  h.push('</g>');
  if (total === 0) {
    h.push('<text class="pc-empty" x="' + (L + pw / 2) + '" y="' + (T + ph / 2) + '" text-anchor="middle">' +
      esc(opts.emptyText || 'No data in this time range') + '</text>');
  }
  h.push('<line class="pc-cross" x1="0" x2="0" y1="' + T + '" y2="' + (T + ph) + '" visibility="hidden"/>');
  h.push('<circle class="pc-dot" r="4" cx="0" cy="0" visibility="hidden"/>');
  h.push('<rect class="pc-overlay" x="' + L + '" y="' + T + '" width="' + pw + '" height="' + ph + '"/>');
  // Markers inside the time range: a dashed line and a small flag, the label as a native tooltip.
  // Drawn over the hover overlay so pointing at a line shows its label.
  (opts.markers || []).forEach(function (m) {
    if (!isFinite(m.t) || m.t < x0 || m.t > x1) return;
    var mx = tx(m.t).toFixed(1), kind = m.kind || 'deploy';
    h.push('<g class="pc-marker-group"><title>' + esc((m.label || '') + ' · ' + formatTime(m.t)) + '</title>' +
      '<line class="pc-marker pc-marker-' + esc(kind) + '" data-kind="' + esc(kind) + '" data-label="' + esc(m.label || '') +
      '" data-t="' + m.t + '" x1="' + mx + '" x2="' + mx + '" y1="' + T + '" y2="' + (T + ph) + '"/>' +
      '<path class="pc-marker-flag pc-marker-' + esc(kind) + '" d="M' + mx + ' ' + T + 'l6 3l-6 3z"/></g>');
  });
  h.push('</svg>');

  var svgHtml = h.join('').replace('__COUNT__', String(total));
  var legend = '';
  if (opts.legend !== false && list.length > 0) {
    legend = '<div class="pc-legend">' + list.map(function (s) {
      return '<button type="button" class="pc-legend-item' + (s.off ? ' is-off' : '') + '" data-i="' + s.i +
        '" title="Click to show/hide"><span class="pc-swatch" style="background:' + s.color + '"></span>' +
        esc(s.name) + '</button>';
    }).join('') + '</div>';
  }
  container.innerHTML = '<div class="pc-wrap">' + svgHtml + '<div class="pc-tooltip" hidden></div></div>' + legend;

  // Legend toggling.
  var lg = container.querySelector('.pc-legend');
  if (lg) {
    lg.addEventListener('click', function (e) {
      var b = e.target.closest('.pc-legend-item');
      if (!b) return;
      var s = list[+b.getAttribute('data-i')];
      if (st.hidden[s.name]) delete st.hidden[s.name]; else st.hidden[s.name] = true;
      render(container, st.args[0], st.args[1]);
    });
  }

  // Hover tooltip.
  var svg = container.querySelector('svg'), tip = container.querySelector('.pc-tooltip');
  var cross = svg.querySelector('.pc-cross'), dot = svg.querySelector('.pc-dot');
  var overlay = svg.querySelector('.pc-overlay'), pending = null, raf = 0;
  function nearest(pts, t) {
    var lo = 0, hi = pts.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (pts[mid][0] < t) lo = mid; else hi = mid; }
    return Math.abs(pts[lo][0] - t) <= Math.abs(pts[hi][0] - t) ? lo : hi;
  }
  function hide() {
    tip.hidden = true; cross.setAttribute('visibility', 'hidden'); dot.setAttribute('visibility', 'hidden');
  }
  function hover(e) {
    var r = svg.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top, t = xt(mx);
    var cands = [], minDx = Infinity;
    list.forEach(function (s) {
      if (s.off || !s.points.length) return;
      var p = s.points[nearest(s.points, t)];
      if (p[1] === null || !isFinite(p[1])) return;
      var dx = Math.abs(tx(p[0]) - mx);
      if (dx > 40) return;
      cands.push({ s: s, p: p, dx: dx, y: vy(p[1]) });
      if (dx < minDx) minDx = dx;
    });
    cands = cands.filter(function (c) { return c.dx <= minDx + 1; });
    if (!cands.length) { hide(); return; }
    var best = cands[0];
    cands.forEach(function (c) { if (Math.abs(c.y - my) < Math.abs(best.y - my)) best = c; });
    var bx = tx(best.p[0]);
    cross.setAttribute('x1', bx); cross.setAttribute('x2', bx); cross.setAttribute('visibility', 'visible');
    dot.setAttribute('cx', bx); dot.setAttribute('cy', best.y); dot.setAttribute('fill', best.s.color);
    dot.setAttribute('visibility', 'visible');
    cands.sort(function (a, b) { return b.p[1] - a.p[1]; });
    var rows = cands.length <= 10 ? cands : [best];
    tip.innerHTML = '<div class="pc-tip-time">' + esc(formatTime(best.p[0])) + '</div>' + rows.map(function (c) {
      return '<div class="pc-tip-row' + (c === best ? ' is-best' : '') + '"><span class="pc-swatch" style="background:' +
        c.s.color + '"></span><span class="pc-tip-name">' + esc(c.s.name) + '</span><b>' +
        esc(formatValue(c.p[1], unit)) + '</b></div>';
    }).join('') + (rows.length < cands.length ? '<div class="pc-tip-more">+' + (cands.length - 1) + ' more series at this time</div>' : '');
    tip.hidden = false;
    var tw = tip.offsetWidth, left = bx + 14;
    if (left + tw > W) left = Math.max(0, bx - 14 - tw);
    tip.style.left = left + 'px';
    tip.style.top = Math.max(0, Math.min(Hh - tip.offsetHeight, best.y - 20)) + 'px';
  }
  overlay.addEventListener('mousemove', function (e) {
    pending = e;
    if (!raf) raf = requestAnimationFrame(function () { raf = 0; if (pending) hover(pending); });
  });
  overlay.addEventListener('mouseleave', function () { pending = null; hide(); });

  return { pointCount: total };
}

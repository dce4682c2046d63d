/* Perfwatch dashboard: the formatting every page shares (escaping, numbers with units, times, "ago").
 * Pure functions, no DOM: pages and the chart import what they show. */

export function esc(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}

export function isNum(v) { return v !== null && v !== undefined && v !== '' && isFinite(v); }

export function pad(n) { return n < 10 ? '0' + n : '' + n; }

// ---- numbers with units ---------------------------------------------------------

export function fmtNum(v) {
  if (v === 0) return '0';
  var a = Math.abs(v), s;
  if (a >= 1000) s = v.toFixed(0);
  else if (a >= 100) s = v.toFixed(1);
  else if (a >= 10) s = v.toFixed(2);
  else if (a >= 1) s = v.toFixed(2);
  else if (a >= 0.01) s = v.toFixed(3);
  else return v.toPrecision(2);
  if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

// Chooses a divisor and suffix for a unit given the magnitude to display.
export function unitScale(unit, mag) {
  var u = (unit || '').trim(), lu = u.toLowerCase(), i;
  mag = Math.abs(mag) || 0;
  if (lu === 'bytes' || lu === 'byte' || lu === 'b') {
    var bu = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    for (i = 0; i < bu.length - 1 && mag >= Math.pow(1024, i + 1); i++) { /* find */ }
    return { div: Math.pow(1024, i), suffix: ' ' + bu[i] };
  }
  if (lu === 'ms' || lu === 'milliseconds') {
    if (mag >= 60000) return { div: 60000, suffix: ' min' };
    if (mag >= 1000) return { div: 1000, suffix: ' s' };
    if (mag > 0 && mag < 1) return { div: 0.001, suffix: ' µs' };
    return { div: 1, suffix: ' ms' };
  }
  if (lu === 's' || lu === 'seconds') {
    if (mag > 0 && mag < 1) return { div: 0.001, suffix: ' ms' };
    return { div: 1, suffix: ' s' };
  }
  if (lu === '%' || lu === 'percent') return { div: 1, suffix: '%' };
  var si = ['', 'k', 'M', 'G', 'T', 'P'];
  for (i = 0; i < si.length - 1 && mag >= Math.pow(1000, i + 1); i++) { /* find */ }
  return { div: Math.pow(1000, i), suffix: si[i] + (u ? ' ' + u : '') };
}

export function formatValue(v, unit) {
  if (v === null || v === undefined || !isFinite(v)) return '—';
  var sc = unitScale(unit, v);
  return fmtNum(v / sc.div) + sc.suffix;
}

export function formatTime(t, withDate) {
  var d = new Date(t);
  var s = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  if (withDate === false) return s;
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + s;
}


export function fmtMs(v) { return isNum(v) ? formatValue(+v, 'ms') : '—'; }
export function fmtInt(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : '—'; }
export function fmtPct(f) {
  if (!isNum(f)) return '—';
  var p = f * 100;
  return (p === 0 ? '0' : p < 0.1 ? '<0.1' : p < 10 ? +p.toFixed(2) : +p.toFixed(1)) + '%';
}
export function fmtRps(v) {
  if (!isNum(v)) return '—';
  return String(v >= 100 ? Math.round(v) : v >= 1 ? +v.toFixed(2) : +v.toPrecision(2)) + '/s';
}
// A test's p-value: small ones as a bound, the rest to two significant digits.
export function fmtPValue(p) {
  if (!isNum(p)) return '—';
  return +p < 0.0001 ? '< 0.0001' : String(+(+p).toPrecision(2));
}

// ---- times ------------------------------------------------------------------------

// A time of day, with the date when it is not today.
export function fmtWhen(ms) {
  return formatTime(ms, new Date(ms).toDateString() !== new Date().toDateString());
}

// "just now", "5 min ago", "3 h ago", "2 d ago": a unit rolls over to the next when it rounds up to it.
export function ago(ms) {
  if (!isNum(ms)) return '—';
  var s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 45) return 'just now';
  var units = [[60, 'min', 60], [3600, 'h', 24], [86400, 'd', 1e9]];
  for (var i = 0; i < units.length; i++) {
    var n = Math.round(s / units[i][0]);
    if (n < units[i][2] || i === units.length - 1) return Math.max(1, n) + ' ' + units[i][1] + ' ago';
  }
}

// "5 min ago" with the exact time as its tooltip, in a span of the given class.
export function agoHtml(ms, cls) {
  return isNum(ms) ? '<span class="' + cls + '" title="' + esc(formatTime(ms, true)) + '">' + esc(ago(ms)) + '</span>' : '—';
}

/* Perfwatch dashboard: sortable tables. The hash keeps sort=KEY (ascending) or sort=-KEY
 * (descending); a <th data-sort="KEY"> header sorts by that key of the rows. */
import { state, writeHash } from './router.js';

export function sortSpec(def) {
  var s = state.params.get('sort') || def, desc = s.charAt(0) === '-';
  return { key: desc ? s.slice(1) : s, desc: desc };
}

export function sortList(list, spec) {
  var k = spec.key, m = spec.desc ? -1 : 1;
  return list.map(function (x, i) { return [x, i]; }).sort(function (a, b) {
    var x = a[0][k], y = b[0][k], xn = x == null || x === '', yn = y == null || y === '';
    if (xn || yn) return xn === yn ? a[1] - b[1] : xn ? 1 : -1; // missing values last either way
    var c = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return c ? m * c : a[1] - b[1];
  }).map(function (p) { return p[0]; });
}

export function markSorted(table, spec) {
  table.querySelectorAll('th[data-sort]').forEach(function (th) {
    var on = th.getAttribute('data-sort') === spec.key;
    th.classList.toggle('sorted-asc', on && !spec.desc);
    th.classList.toggle('sorted-desc', on && spec.desc);
    th.setAttribute('aria-sort', on ? (spec.desc ? 'descending' : 'ascending') : 'none');
  });
}

export function bindSort(table, def, rerender) {
  table.querySelectorAll('th[data-sort]').forEach(function (th) {
    th.innerHTML = '<button type="button">' + th.innerHTML + '</button>';
  });
  table.querySelector('thead').addEventListener('click', function (e) {
    var th = e.target.closest('th[data-sort]');
    if (!th) return;
    var key = th.getAttribute('data-sort'), cur = sortSpec(def);
    var desc = cur.key === key ? !cur.desc : !th.classList.contains('txt');
    state.params.set('sort', (desc ? '-' : '') + key);
    writeHash();
    rerender();
  });
}


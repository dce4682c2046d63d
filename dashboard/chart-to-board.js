/* Perfwatch dashboard: "Add to dashboard →" on a chart of any page (issue 15: "from Explore and from any
 * chart"): a link in the chart's card that opens the chart's query in Explore, where "Add this chart" puts it on
 * a board (new or existing). One link per card, updated on every draw. */
import { qs } from './api.js';
import { rangePairs } from './router.js';

// `el`: the chart's element (inside a .card); `stat`, `by` (tag names) and `where` (TAG=VALUE texts) as Explore reads them.
export function chartToBoard(el, metric, stat, by, where) {
  var card = el && el.closest('.card');
  if (!card) return;
  var link = card.querySelector('a.chart-to-board');
  if (!link) {
    link = document.createElement('a');
    link.className = 'more chart-to-board';
    link.textContent = 'Add to dashboard →';
    (card.querySelector('h2') || card).appendChild(link);
  }
  var pairs = [['metric', metric], ['stat', stat]];
  if (by && by.length) pairs.push(['by', by.join(',')]);
  (where || []).forEach(function (x) { pairs.push(['where', x]); });
  link.href = '#/explore?' + qs(pairs.concat(rangePairs()));
}

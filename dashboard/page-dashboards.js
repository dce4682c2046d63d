/* Perfwatch dashboard: the Dashboards page (issue 15): the saved boards, a new one, and an import of a board's
 * exported JSON. API: GET/POST /api/v1/dashboards. */
import { api, errorText, send } from './api.js';
import { queueError } from './banner.js';
import { $, failRow, setHtml, showEmpty } from './dom.js';
import { esc, fmtWhen } from './format.js';
import { current, refresh } from './router.js';

function open(board) { location.hash = '#/board/' + encodeURIComponent(board.id); }

function create(body) {
  return send('POST', '/api/v1/dashboards', body).then(open, function (e) { queueError(errorText('Dashboard not saved', e)); refresh(); });
}

export default {
  init: function () {
    $('boards-new').addEventListener('click', function () {
      var name = $('boards-new-name').value.trim();
      if (!name) { queueError('Name the new dashboard first'); refresh(); return; }
      create({ name: name, panels: [] });
    });
    $('boards-import').addEventListener('click', function () {
      var board;
      try { board = JSON.parse($('boards-import-text').value); } catch (e) { queueError('Import: not JSON (' + e.message + ')'); refresh(); return; }
      create(board);
    });
  },
  refresh: function (ctx) {
    return api('/api/v1/dashboards').then(function (res) {
      if (!current(ctx)) return;
      var list = res.dashboards || [];
      setHtml($('boards-table').querySelector('tbody'), list.map(function (b) {
        return '<tr class="board-row" data-id="' + esc(b.id) + '"><td class="txt"><a href="#/board/' + esc(b.id) + '">' + esc(b.name) +
          '</a></td><td>' + esc(b.panels) + '</td><td>' + esc(fmtWhen(b.updated_at)) + '</td></tr>';
      }).join(''));
      showEmpty('boards-empty', list.length ? '' : '<p>No dashboards yet. Make one here, or open <a href="#/explore">Explore</a>, ' +
        'choose a query and <b>Add this chart</b> to a new dashboard.</p>');
    }, function (e) {
      ctx.errors.push(errorText('Dashboards', e));
      if (current(ctx)) failRow($('boards-table').querySelector('tbody'), 3, 'Failed to load: see the error above');
    });
  }
};

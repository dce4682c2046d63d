/* Perfwatch dashboard: the Database page's "Advisor" section (issue 21), one card per configured
 * PostgreSQL database: its status and notices (with the fix), the top statements with the routes
 * that run them, index suggestions (cost before → after with a hypothetical index, the routes, an
 * Apply button that builds the index through its db_index optimization), the plan tree with the
 * costly node marked, index hygiene and health. API: GET /api/v1/db/databases,
 * GET /api/v1/db/advisor?database=NAME, GET /api/v1/optimizations, POST /api/v1/optimizations/{id}/apply. */
import { api, describe, send } from './api.js';
import { setHtml } from './dom.js';
import { esc, fmtInt, fmtMs, fmtPct, isNum } from './format.js';

function fmtCost(v) { return isNum(v) ? (v >= 100 ? Math.round(v).toLocaleString('en-US') : (+v).toFixed(2)) : '—'; }
function fmtBytes(v) {
  if (!isNum(v)) return '—';
  var units = ['B', 'kB', 'MB', 'GB', 'TB'], i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : v) + ' ' + units[i];
}
function routesText(routes) {
  return (routes || []).map(function (r) {
    return r.route + ' (' + (r.service || '—') + ', ' + fmtPct(r.shareOfP95) + ' of ' + fmtMs(r.p95Ms) + ' p95)';
  }).join(', ');
}
// The last Apply answer per database, kept across redraws (a live refresh redraws the cards).
var applyResults = {};
var STATUS_BADGE = { ok: 'badge-ok', degraded: 'badge-warn', unreachable: 'badge-error' };

function planNode(node, path, costly) {
  var here = path.join('.') === (costly || []).join('.');
  var detail = [node.relation ? 'on ' + node.relation : '', node.index ? 'using ' + node.index : '',
    node.filter ? 'filter ' + node.filter : '', node.indexCond ? 'cond ' + node.indexCond : '',
    node.joinCond ? 'join ' + node.joinCond : '', (node.sortKey || []).length ? 'sort ' + node.sortKey.join(', ') : '']
    .filter(Boolean).join(' · ');
  return '<li><div class="plan-node' + (here ? ' is-costly' : '') + '" title="' + (here ? 'the costliest node (its own cost)' : '') + '">' +
    '<b>' + esc(node.nodeType) + '</b> <span class="muted">' + esc(detail) + '</span> <span class="plan-cost">cost ' +
    esc(fmtCost(node.startupCost)) + '..' + esc(fmtCost(node.totalCost)) + ' · rows ' + esc(fmtInt(node.planRows)) + '</span></div>' +
    ((node.children || []).length ? '<ul>' + node.children.map(function (child, i) { return planNode(child, path.concat([i]), costly); }).join('') + '</ul>' : '') +
    '</li>';
}

function suggestionRow(s, database, optimization, canApply) {
  var state = optimization ? optimization.status : 'not proposed yet';
  var button = optimization && optimization.status === 'proposed'
    ? '<button type="button" class="btn dba-apply" data-opt-id="' + esc(optimization.id) + '"' +
      (canApply ? '' : ' title="this database has no apply_url"') + '>Apply</button>'
    : '<span class="badge" data-opt-status="' + esc(state) + '">' + esc(state.replace(/_/g, ' ')) + '</span>';
  return '<tr class="dba-suggestion" data-suggestion-id="' + esc(s.id) + '">' +
    '<td class="txt"><code>' + esc(s.createStatement) + '</code><div class="muted">' + esc(s.expectedEffect || '') + '</div></td>' +
    '<td class="dba-cost">' + esc(fmtCost(s.costBefore)) + ' → ' + esc(fmtCost(s.costAfter)) + '</td>' +
    '<td class="txt dba-routes">' + esc(routesText(s.routes) || '—') + '</td><td>' + button + '</td></tr>';
}

function section(title, body) { return body ? '<h3 class="dba-h">' + esc(title) + '</h3>' + body : ''; }

function table(cls, head, rows) {
  return rows.length ? '<div class="table-card"><table class="table ' + cls + '"><thead><tr>' + head.map(function (h, i) {
    return '<th' + (i === 0 ? ' class="txt"' : '') + '>' + esc(h) + '</th>';
  }).join('') + '</tr></thead><tbody>' + rows.join('') + '</tbody></table></div>' : '';
}

function health(h) {
  if (!h) return '';
  var states = Object.keys(h.connectionsByState || {}).sort(), total = 0;
  states.forEach(function (k) { total += h.connectionsByState[k]; });
  var ratio = function (k, label) {
    var v = h[k], low = isNum(v) && v < 0.99;
    return '<div data-k="' + k + '">' + esc(label) + ': <b class="' + (low ? 'dba-low' : '') + '">' + esc(fmtPct(v)) + '</b> <span class="muted">(target 99%)</span></div>';
  };
  return '<div class="dba-health">' + ratio('heapHitRatio', 'Heap cache hit ratio') + ratio('indexHitRatio', 'Index cache hit ratio') +
    '<div data-k="connections">Connections: <b>' + esc(fmtInt(total)) + '</b> of ' + esc(fmtInt(h.maxConnections)) + ' (' +
    esc(states.map(function (k) { return k + ' ' + h.connectionsByState[k]; }).join(', ') || 'none') + ')</div>' +
    (h.poolAdvice ? '<div data-k="poolAdvice">Pool: ' + esc(h.poolAdvice) + '</div>' : '') +
    '<div data-k="longRunning">Long-running queries: ' + esc(fmtInt((h.longRunning || []).length)) +
    (h.longRunning || []).map(function (q) { return '<div class="muted"><code>' + esc(q.query) + '</code> ' + esc(fmtMs(q.durationMs)) + ' (' + esc(q.state) + ')</div>'; }).join('') + '</div>' +
    '<div data-k="lockWaits">Lock waits: ' + esc(fmtInt((h.lockWaits || []).length)) +
    (h.lockWaits || []).map(function (w) { return '<div class="muted">pid ' + esc(w.waitingPID) + ' waits on ' + esc(w.blockingPID) + ' for ' + esc(fmtMs(w.waitingMs)) + ': <code>' + esc(w.query) + '</code></div>'; }).join('') + '</div>' +
    '<div data-k="bloat">Bloated tables: ' + esc((h.bloatedTables || []).map(function (t) {
      return t.schema + '.' + t.name + ' (' + fmtInt(t.deadTuples) + ' dead of ' + fmtInt(t.liveTuples + t.deadTuples) + ')';
    }).join(', ') || 'none') + '</div></div>';
}

function card(db, res, optimizations) {
  var r = res && res.report, status = (res && res.status) || db.status;
  var html = '<div class="card dba-db" data-database="' + esc(db.name) + '" data-status="' + esc(status) + '">' +
    '<div class="card-head"><h2>' + esc(db.name) + '</h2><span class="badge ' + (STATUS_BADGE[status] || '') + '">' + esc(status) + '</span>' +
    '<span class="muted">' + esc(db.url) + (db.canApply ? ' · can apply indexes' : ' · read only (no apply_url)') + '</span>' +
    '<span class="dba-apply-result muted" aria-live="polite">' + esc(applyResults[db.name] || '') + '</span></div>';
  if (res && res.error) html += '<div class="dba-error">' + esc(res.error) + '</div>';
  if (!r) return html + '<div class="muted">' + (status === 'pending' ? 'No advisor pass yet.' : '') + '</div></div>';
  html += (r.notices || []).map(function (n) {
    return '<div class="dba-notice" data-code="' + esc(n.code) + '">' + esc(n.message) + (n.fix ? ' <span class="dba-fix"><code>' + esc(n.fix) + '</code></span>' : '') + '</div>';
  }).join('');
  html += section('Index suggestions', table('dba-suggestions', ['Index', 'Planner cost', 'Routes', ''], (r.suggestions || []).map(function (s) {
    return suggestionRow(s, db.name, optimizations[db.name + '\u0001' + s.id], db.canApply);
  })) || '<div class="muted">No index would halve a statement\'s planner cost.</div>');
  html += section('Top statements (pg_stat_statements)', table('dba-top', ['Statement', 'Calls', 'Total', 'Mean', 'Rows', 'Hit ratio', 'Routes'],
    (r.topQueries || []).slice(0, 20).map(function (q) {
      return '<tr><td class="txt stmt"><code title="' + esc(q.query) + '">' + esc(q.query) + '</code></td><td>' + esc(fmtInt(q.calls)) + '</td><td>' +
        esc(fmtMs(q.totalMs)) + '</td><td>' + esc(fmtMs(q.meanMs)) + '</td><td>' + esc(fmtInt(q.rows)) + '</td><td>' + esc(fmtPct(q.hitRatio)) +
        '</td><td class="txt">' + esc(routesText(q.routes) || '—') + '</td></tr>';
    })));
  html += section('Plans', (r.plans || []).map(function (p) {
    return '<div class="dba-plan"><div><code>' + esc(p.statement) + '</code> <span class="muted">total cost ' + esc(fmtCost(p.totalCost)) +
      (p.parametersUsed ? ' · with a recent sample\'s values' : '') + '</span></div><ul class="plan-tree">' + planNode(p.root, [], p.costlyNodePath) + '</ul></div>';
  }).join(''));
  html += section('Index hygiene', table('dba-hygiene', ['Index', 'Finding', 'Scans', 'Size'], (r.hygiene || []).map(function (h) {
    return '<tr data-kind="' + esc(h.kind) + '" data-index="' + esc(h.index.name) + '"><td class="txt"><code>' + esc(h.index.definition || h.index.name) +
      '</code></td><td class="txt">' + esc(h.kind) + ': ' + esc(h.message) + '</td><td>' + esc(fmtInt(h.index.scans)) + '</td><td>' + esc(fmtBytes(h.index.sizeBytes)) + '</td></tr>';
  })));
  html += section('Health', health(r.health));
  html += section('Skipped', (r.skipped || []).slice(0, 10).map(function (s) {
    return '<div class="muted"><code>' + esc(s.statement) + '</code>: ' + esc(s.reason) + '</div>';
  }).join(''));
  if (r.cost) html += '<div class="muted dba-pass">Pass: ' + esc(fmtInt(r.cost.queriesIssued)) + ' queries, ' + esc(fmtMs(r.cost.databaseMs)) + ' in the database, ' + esc(fmtMs(r.cost.wallMs)) + ' wall</div>';
  return html + '</div>';
}

/* Renders the section into `el`; resolves once drawn. Errors go to `errors` like the page's. */
export function refreshAdvisor(el, errors, isCurrent) {
  return api('/api/v1/db/databases').then(function (list) {
    var dbs = list.databases || [];
    if (!dbs.length) { setHtml(el, ''); el.hidden = true; return; }
    return Promise.all([
      Promise.all(dbs.map(function (db) {
        return api('/api/v1/db/advisor', [['database', db.name]]).catch(function (e) { errors.push('Advisor ' + db.name + ': ' + describe(e)); return null; });
      })),
      api('/api/v1/optimizations').catch(function () { return { optimizations: [] }; })
    ]).then(function (both) {
      if (!isCurrent()) return;
      var byKey = {};
      (both[1].optimizations || []).forEach(function (o) {
        if (o.type === 'db_index' && o.policy_change) byKey[o.policy_change.database + '\u0001' + o.policy_change.suggestion] = o;
      });
      el.hidden = false;
      setHtml(el, '<h2 class="dba-title">Advisor</h2>' + dbs.map(function (db, i) { return card(db, both[0][i], byKey); }).join(''));
    });
  });
}

/* Apply buttons: build the index through its optimization; the server's answer (or refusal) is shown on the card. */
export function bindAdvisor(el, onApplied) {
  el.addEventListener('click', function (e) {
    var button = e.target.closest('button.dba-apply');
    if (!button) return;
    var card = button.closest('.dba-db'), name = card.getAttribute('data-database'), result = card.querySelector('.dba-apply-result');
    var show = function (text) { applyResults[name] = text; result.textContent = text; };
    button.disabled = true;
    show('Building the index…');
    send('POST', '/api/v1/optimizations/' + button.getAttribute('data-opt-id') + '/apply').then(function (o) {
      show('Index built: optimization ' + o.id + ' is ' + o.status + '; validation will judge the route.');
      onApplied();
    }, function (err) {
      button.disabled = false;
      show('Not applied: ' + describe(err));
    });
  });
}

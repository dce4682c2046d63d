/* Perfwatch dashboard: the page table, the one list of pages: page id (the first part of the hash,
 * #/ID[/ARG]) → its module, each { init?(), enter?(), refresh(ctx) } (see router.js) with a
 * <section id="page-ID"> in index.html. A new page is a module, an entry here and a section. */
import alerts from './page-alerts.js';
import audits from './page-audits.js';
import board from './page-board.js';
import dashboards from './page-dashboards.js';
import database from './page-database.js';
import edge from './page-edge.js';
import errors from './page-errors.js';
import explore from './page-explore.js';
import issues from './page-issues.js';
import journeys from './page-journeys.js';
import loadtests from './page-loadtests.js';
import optimizations from './page-optimizations.js';
import overview from './page-overview.js';
import route from './page-route.js';
import routes from './page-routes.js';
import trace from './page-trace.js';
import traces from './page-traces.js';
import uptime from './page-uptime.js';
import vitals from './page-vitals.js';

export var PAGES = {
  overview: overview, explore: explore, dashboards: dashboards, board: board, routes: routes, route: route, traces: traces, trace: trace, database: database,
  vitals: vitals, journeys: journeys, errors: errors, alerts: alerts, loadtests: loadtests, issues: issues,
  optimizations: optimizations, edge: edge, audits: audits, uptime: uptime
};

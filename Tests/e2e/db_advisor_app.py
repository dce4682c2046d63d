"""The database advisor's sample application (issue 21): a shop schema in a private PostgreSQL with
200k orders, and a workload that runs the shop's queries with psycopg2 and reports each request as
an OpenTelemetry trace (SERVER span with `http.route`, CLIENT span with `db.system`/`db.statement`)
through the OpenTelemetry Python SDK, so Perfwatch has the fingerprints and routes the advisor ties
to `pg_stat_statements`.

Routes: /customers/{id}/orders filters `orders.customer_id`, which has no index (a sequential scan of
200k rows: the index the advisor should suggest); /orders/{id} reads by primary key (already fast: no
suggestion). The schema also has an index nothing uses (`orders_status_idx`) and one that is a prefix
of another (`orders_product_idx`, covered by `orders_product_created_idx`).
"""

from __future__ import annotations

import random
import threading
import time

import psycopg2
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

ORDERS = 200_000
CUSTOMERS = 5_000
SLOW_ROUTE = "/customers/{id}/orders"
FAST_ROUTE = "/orders/{id}"
MONITOR_PASSWORD = "monitor-pw-123"
READONLY_PASSWORD = "readonly-pw-123"


def connect(url: str, database: str):
    """A psycopg2 connection to `database` on the cluster of superuser `url` (postgres://user@host:port/db)."""
    rest = url.split("://", 1)[1]
    user, hostport = rest.split("@", 1)[0], rest.split("@", 1)[1].split("/", 1)[0]
    host, port = hostport.split(":")
    conn = psycopg2.connect(host=host, port=int(port), user=user, dbname=database)
    conn.autocommit = True
    return conn


def create_schema(superuser_url: str) -> None:
    """Databases `shop` (pg_stat_statements + hypopg, 200k orders) and `plain` (no hypopg), and the
    roles: `monitor` (pg_monitor, SELECT) and `readonly` (pg_monitor, SELECT, owns nothing: may not
    CREATE INDEX)."""
    admin = connect(superuser_url, "postgres")
    with admin.cursor() as cur:
        for name in ("shop", "plain"):
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cur.execute(f"CREATE DATABASE {name}")
        for role, password in (("monitor", MONITOR_PASSWORD), ("readonly", READONLY_PASSWORD)):
            cur.execute(f"DROP ROLE IF EXISTS {role}")
            cur.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE pg_monitor")
    admin.close()
    shop = connect(superuser_url, "shop")
    with shop.cursor() as cur:
        cur.execute("CREATE EXTENSION pg_stat_statements")
        cur.execute("CREATE EXTENSION hypopg")
        cur.execute("""
            CREATE TABLE orders (
                id bigint PRIMARY KEY, customer_id int NOT NULL, product_id int NOT NULL, status text NOT NULL,
                total numeric(10, 2) NOT NULL, created_at timestamptz NOT NULL)""")
        cur.execute(f"""
            INSERT INTO orders
            SELECT g, (g * 7919) % {CUSTOMERS}, g % 500, (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + g % 4],
                   (g % 1000) / 10.0, now() - (g || ' minutes')::interval
            FROM generate_series(1, {ORDERS}) AS g""")
        cur.execute("CREATE INDEX orders_status_idx ON orders (status)")
        cur.execute("CREATE INDEX orders_product_idx ON orders (product_id)")
        cur.execute("CREATE INDEX orders_product_created_idx ON orders (product_id, created_at)")
        cur.execute("ANALYZE orders")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO monitor, readonly")
        cur.execute("SELECT pg_stat_statements_reset()")
    shop.close()
    plain = connect(superuser_url, "plain")
    with plain.cursor() as cur:
        cur.execute("CREATE EXTENSION pg_stat_statements")
        cur.execute("CREATE TABLE notes (id bigint PRIMARY KEY, body text)")
        cur.execute("INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 1000) AS g")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO monitor")
    plain.close()


def index_names(superuser_url: str, table: str = "orders") -> set[str]:
    conn = connect(superuser_url, "shop")
    with conn.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", (table,))
        names = {row[0] for row in cur.fetchall()}
    conn.close()
    return names


class ShopApp:
    """The shop's request handlers: each request is a SERVER span around the real query's CLIENT span."""

    def __init__(self, superuser_url: str, perfwatch_url: str, service: str = "shop") -> None:
        self.conn = connect(superuser_url, "shop")
        self.provider = TracerProvider(resource=Resource.create({"service.name": service, "service.version": "1.0"}))
        self.provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=perfwatch_url + "/v1/traces"), schedule_delay_millis=500))
        self.tracer = self.provider.get_tracer("perfwatch-db-advisor-e2e")
        self.random = random.Random(21)
        self.requests = {SLOW_ROUTE: 0, FAST_ROUTE: 0}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def request(self, route: str, sql: str) -> None:
        path = route.replace("{id}", sql.rsplit(" ", 1)[-1])
        with self.tracer.start_as_current_span(f"GET {route}", kind=SpanKind.SERVER, attributes={
                "http.request.method": "GET", "http.route": route, "url.path": path, "http.response.status_code": 200}):
            with self.tracer.start_as_current_span("SELECT shop", kind=SpanKind.CLIENT, attributes={
                    "db.system": "postgresql", "db.name": "shop", "db.statement": sql}):
                with self.conn.cursor() as cur:
                    cur.execute(sql)
                    cur.fetchall()
        self.requests[route] += 1

    def customer_orders(self) -> None:
        self.request(SLOW_ROUTE, f"SELECT id, total, created_at FROM orders WHERE customer_id = {self.random.randrange(CUSTOMERS)}")

    def order(self) -> None:
        self.request(FAST_ROUTE, f"SELECT id, status, total FROM orders WHERE id = {self.random.randrange(1, ORDERS)}")

    def run(self, seconds: float) -> None:
        """Both routes, one after the other, for `seconds` (about 40 requests a second at most)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self._stop.is_set():
            self.customer_orders()
            self.order()
            time.sleep(0.05)

    def _run_in_background(self) -> None:
        try:
            self.run(3600)
        except Exception as e:  # noqa: BLE001 - the test reports it
            self.failure = repr(e)

    def start_background(self) -> None:
        self._stop.clear()
        self.failure: str | None = None
        self._thread = threading.Thread(target=self._run_in_background, daemon=True)
        self._thread.start()

    def stop_background(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> None:
        self.provider.force_flush(10_000)

    def close(self) -> None:
        self.stop_background()
        self.provider.shutdown()
        self.conn.close()

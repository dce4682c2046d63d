#!/usr/bin/env python3
"""Runs the ClickHouse backend's statements on a current ClickHouse engine (chdb, in process).

`python3 scripts/check_clickhouse_statements.py STATEMENTS.json` — the file is written by the Swift
test `ClickHouseStatementsOnCurrentEngineTests`: a list of {"sql", optional "structure" and "rows_hex"
(an INSERT … FORMAT RowBinary and its rows), optional "expect_hex" (a SELECT's exact RowBinary
answer) or "expect_rows" (the SELECT must answer something)}, in order, each run in one chdb session.
chdb has no input stream for an INSERT's data, so an INSERT is run as
`INSERT … SELECT * FROM format(RowBinary, 'structure', '<the same bytes>')`: the same rows
through the same RowBinary parser. Exit 0 when every statement ran and answered as expected; 1 with
one line per failure otherwise; 2 when chdb is missing (scripts/test.sh installs it).
"""
import json
import re
import sys
import tempfile

try:
    from chdb import session as chdb_session
except ImportError:
    print("chdb is not installed: python3 -m pip install chdb", file=sys.stderr)
    sys.exit(2)


def literal(data: bytes) -> str:
    return "'" + "".join("\\x%02x" % byte for byte in data) + "'"


def main() -> int:
    with open(sys.argv[1]) as handle:
        statements = json.load(handle)
    failures = []
    with tempfile.TemporaryDirectory() as directory:
        session = chdb_session.Session(directory)
        for index, item in enumerate(statements):
            sql = item["sql"]
            try:
                if "rows_hex" in item:
                    match = re.fullmatch(r"(INSERT INTO \S+ \([^)]*\)) FORMAT RowBinary", sql)
                    if not match:
                        raise ValueError("not an INSERT … FORMAT RowBinary")
                    rows = bytes.fromhex(item["rows_hex"])
                    session.query(f"{match.group(1)} SELECT * FROM format(RowBinary, '{item['structure']}', {literal(rows)})")
                    continue
                answer = session.query(sql, "RowBinary") if "FORMAT RowBinary" in sql else session.query(sql)
                data = answer.bytes() if answer is not None else b""
                if "expect_hex" in item and data.hex() != item["expect_hex"]:
                    failures.append(f"#{index} answered {data.hex()} instead of {item['expect_hex']}: {sql}")
                elif item.get("expect_rows") and not data:
                    failures.append(f"#{index} answered nothing: {sql}")
            except Exception as error:  # every failure is reported, not only the first
                failures.append(f"#{index} failed: {error}: {sql}")
    for failure in failures:
        print(failure)
    print(f"{len(statements) - len(failures)} of {len(statements)} statements ran on chdb as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

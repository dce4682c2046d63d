#!/usr/bin/env python3
"""Write rum/rum.min.js from rum/rum.js: the browser snippet as the server serves it.

Usage:
    python3 scripts/minify_rum.py          # (re)write rum/rum.min.js, print sizes
    python3 scripts/minify_rum.py --check  # exit 1 if rum.min.js is stale or over budget

Deliberately dumb, so it cannot break the code: it only drops lines that are entirely a
`//` comment, blank lines, and each line's leading indentation. Line breaks stay, so
automatic semicolon insertion sees the same code. rum.js therefore keeps its comments on
lines of their own and has no multi-line string or template literals.
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "rum" / "rum.js"
OUTPUT = ROOT / "rum" / "rum.min.js"
BUDGET_GZIP_BYTES = 4096


def minify(source: str) -> str:
    lines = []
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        lines.append(line.lstrip())
    return "\n".join(lines) + "\n"


def gzip_size(data: bytes) -> int:
    # mtime=0: the size must not depend on the clock (the header is fixed-size anyway).
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if stale or over budget")
    args = parser.parse_args()

    minified = minify(SOURCE.read_text(encoding="utf-8")).encode("utf-8")
    size = gzip_size(minified)
    print(
        f"rum.js {SOURCE.stat().st_size} B raw; rum.min.js {len(minified)} B raw, "
        f"{size} B gzip -9 (budget {BUDGET_GZIP_BYTES})"
    )
    if args.check:
        stale = not OUTPUT.exists() or OUTPUT.read_bytes() != minified
        if stale:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run python3 scripts/minify_rum.py")
        if size > BUDGET_GZIP_BYTES:
            print("over budget")
        return 1 if stale or size > BUDGET_GZIP_BYTES else 0
    OUTPUT.write_bytes(minified)
    return 0 if size <= BUDGET_GZIP_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())

"""`perfwatch images optimize` (issue 17): the real binary over the images made for the tests
(Tests/fixtures/images, scripts/make_image_fixtures.sh) writes every variant, prints the table of bytes
before and after, lists what it cannot decode without failing, and exits 2 on bad arguments."""
from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from conftest import perfwatch_binary

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "images"
MAGIC = {"avif": lambda b: b[4:12] == b"ftypavif", "webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
         "jpg": lambda b: b[:2] == b"\xff\xd8"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(perfwatch_binary()), "images", "optimize", *args], capture_output=True, text=True, timeout=120)


def test_optimize_writes_every_variant_and_the_table(tmp_path):
    source = tmp_path / "in"
    shutil.copytree(FIXTURES, source / "catalog")
    out = tmp_path / "out"
    done = run(str(source), "--out", str(out), "--formats", "avif,webp,jpeg", "--widths", "320,640", "--quality", "75")
    assert done.returncode == 0, done.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    expected = sorted(f"catalog/{stem}-{w}.{ext}" for stem in ("alpha", "photo", "rotated") for w in (320, 640)
                      for ext in ("avif", "webp", "jpg"))
    assert written == expected
    for name in written:
        assert MAGIC[name.rsplit(".", 1)[1]]((out / name).read_bytes()), f"{name} is not what its extension says"
    photo = (FIXTURES / "photo.jpg").stat().st_size
    row = next(line for line in done.stdout.splitlines() if "catalog/photo-640.avif" in line)
    assert "640×400" in row and f"{photo:,}" in row and row.rstrip().endswith("%"), row
    assert "300×400 (kept)" in done.stdout  # the rotated 400×300 source, shown upright, never enlarged to 640
    assert "total over 3 file(s)" in done.stdout and "avif 640 px" in done.stdout
    failures = done.stdout.split("not optimized (3):", 1)[1]
    assert "catalog/bomb.png: 100000×100000 pixels, over the limit" in failures
    assert "catalog/corrupt.jpg: cannot decode" in failures and "catalog/not-an-image.jpg: cannot decode" in failures


@pytest.mark.parametrize("args, message", [
    (["--formats", "gif"], 'unknown format "gif"'),
    (["--widths", "wide"], '"wide" is not a width in pixels'),
    (["--widths", "0"], '"0" is not a width in pixels'),
    (["--quality", "0"], "--quality: 0 is not 1-100"),
    (["--avif-quality", "101"], "--avif-quality: 101 is not 1-100"),
])
def test_bad_arguments_exit_2_naming_the_problem(tmp_path, args, message):
    done = run(str(FIXTURES), "--out", str(tmp_path / "out"), *args)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists(), "nothing is written on bad arguments"


def test_missing_directory_or_out_exit_2(tmp_path):
    missing = run(str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 2 and "is not a directory" in missing.stderr
    no_out = run(str(FIXTURES))
    assert no_out.returncode == 2 and "--out" in no_out.stderr

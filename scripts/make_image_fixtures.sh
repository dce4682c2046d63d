#!/usr/bin/env bash
# Makes the images the image tests use (Tests/fixtures/images), with libvips' and ImageMagick's
# command-line tools (Debian libvips-tools, imagemagick). The files are committed: rerun this only to
# change them. Each is made to show one behaviour:
#   photo.jpg        1600×1000 JPEG with an EXIF block and a comment (metadata to strip; widths to fit)
#   rotated.jpg      400×300 pixels stored with EXIF orientation 6 (shown 300×400 after auto-rotation)
#   alpha.png        640×480 RGBA PNG, half transparent (alpha kept in WebP/AVIF, flattened for JPEG)
#   corrupt.jpg      a JPEG's first 600 bytes, then noise (fails to decode)
#   bomb.png         a valid PNG header claiming 100000×100000 pixels (refused before decoding)
#   not-an-image.jpg text
set -euo pipefail
out="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Tests/fixtures/images"
convert=/usr/bin/convert-im6.q16   # ImageMagick itself, whatever else is called convert on PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cd "$work"
# Photo-like content: three bands of blurred noise (seeded: the same pixels on every run).
for band in 1 2 3; do
    vips gaussnoise "n$band.v" 1600 1000 --sigma 60 --mean 128 --seed "$band"
    vips gaussblur "n$band.v" "b$band.v" 4
done
vips bandjoin "b1.v b2.v b3.v" rgb.v
vips cast rgb.v rgb8.v uchar
vips copy rgb8.v plain.jpg[Q=85]
"$convert" plain.jpg -orient top-left -set comment "perfwatch test fixture" "$out/photo.jpg"
vips crop rgb8.v small.v 0 0 400 300
vips copy small.v small.jpg[Q=85]
"$convert" small.jpg -orient right-top "$out/rotated.jpg"
vips crop rgb8.v c0.v 0 0 640 480
vips gaussblur c0.v c.v 12   # smooth: PNG stays small
vips black a.v 640 480
vips linear a.v alpha.v 1 128 --uchar
vips bandjoin "c.v alpha.v" rgba.v
vips copy rgba.v "$out/alpha.png"
python3 - "$out" <<'PY'
import random, struct, sys, zlib
out = sys.argv[1]
photo = open(f"{out}/photo.jpg", "rb").read()
rng = random.Random(17)
open(f"{out}/corrupt.jpg", "wb").write(photo[:600] + bytes(rng.randrange(256) for _ in range(3000)))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)  # 8-bit RGB
rows = zlib.compress(b"\x00" + b"\x00" * 3 * 100_000)  # one row; the rest is missing
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
open(f"{out}/bomb.png", "wb").write(png)
open(f"{out}/not-an-image.jpg", "w").write("this is text, not a JPEG\n")
PY
ls -l "$out"

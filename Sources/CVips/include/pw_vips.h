#ifndef PW_VIPS_H
#define PW_VIPS_H

#include <stddef.h>

// Fixed-argument wrappers over the variadic libvips calls the edge and `perfwatch images` need
// (Swift cannot call C variadics). Buffers returned in *out are g_malloc'ed: release them with
// pw_vips_free. Every call fills `error` (up to error_len bytes, NUL-terminated) when it fails.

/// Output formats, by the encoder libvips uses.
typedef enum {
    PW_VIPS_JPEG = 1,
    PW_VIPS_PNG = 2,
    PW_VIPS_WEBP = 3,
    PW_VIPS_AVIF = 4,
} pw_vips_format;

/// What the header says, read without decoding pixels.
typedef struct {
    int width;
    int height;
    int bands;
    int has_alpha;
    /// EXIF orientation 1...8 (1 when absent).
    int orientation;
    /// The loader's format: PW_VIPS_JPEG, PW_VIPS_PNG, PW_VIPS_WEBP, PW_VIPS_AVIF; 0 for any other.
    int format;
} pw_vips_info;

/// Starts libvips once per process: `threads` worker threads per operation (vips_concurrency_set),
/// its operation cache off (the edge caches whole answers itself; libvips' cache would hold decoded
/// images), and the loaders libvips marks untrusted blocked. Returns 0 on success.
int pw_vips_start(int threads, char *error, size_t error_len);

/// The header of an encoded image. Returns 0 on success; -1 when libvips cannot read it.
int pw_vips_probe(const void *data, size_t length, pw_vips_info *info, char *error, size_t error_len);

/// Decodes, auto-rotates by EXIF, shrinks to fit `width` (never enlarges; 0 keeps the width), and
/// encodes as `format` at `quality` (1...100) with metadata stripped. `effort` is the encoder's CPU
/// effort for WebP (0...6) and AVIF (0...9). An image with alpha becomes JPEG over white.
/// On success returns 0 and sets *out, *out_length, *out_width and *out_height.
int pw_vips_thumbnail(
    const void *data, size_t length, int width, pw_vips_format format, int quality, int effort,
    void **out, size_t *out_length, int *out_width, int *out_height, char *error, size_t error_len);

void pw_vips_free(void *buffer);

/// Bytes libvips has allocated now, and at most so far (vips_tracked_get_mem / _highwater).
size_t pw_vips_tracked_bytes(void);
size_t pw_vips_tracked_highwater(void);

#endif

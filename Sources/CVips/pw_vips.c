#include "pw_vips.h"

#include <stdint.h>
#include <string.h>
#include <vips/vips.h>

// libvips keeps one error buffer per process; copy it out and clear it so the next call starts clean.
static void take_error(char *error, size_t error_len, const char *fallback) {
    if (error && error_len > 0) {
        const char *text = vips_error_buffer();
        if (!text || !*text) text = fallback;
        strncpy(error, text, error_len - 1);
        error[error_len - 1] = 0;
        size_t n = strlen(error);
        while (n > 0 && (error[n - 1] == '\n' || error[n - 1] == ' ')) error[--n] = 0;
    }
    vips_error_clear();
}

// libvips reports recoverable decode problems as GLib warnings on stderr; the caller counts failures itself.
static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void)domain; (void)level; (void)message; (void)data;
}

int pw_vips_start(int threads, char *error, size_t error_len) {
    if (VIPS_INIT("perfwatch")) {
        take_error(error, error_len, "vips_init failed");
        return -1;
    }
    vips_concurrency_set(threads > 0 ? threads : 1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_block_untrusted_set(TRUE);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, quiet, NULL);
    return 0;
}

static int format_of_loader(const char *loader) {
    if (!loader) return 0;
    if (!strncmp(loader, "VipsForeignLoadJpeg", 19) || !strncmp(loader, "jpegload", 8)) return PW_VIPS_JPEG;
    if (!strncmp(loader, "VipsForeignLoadPng", 18) || !strncmp(loader, "pngload", 7)) return PW_VIPS_PNG;
    if (!strncmp(loader, "VipsForeignLoadWebp", 19) || !strncmp(loader, "webpload", 8)) return PW_VIPS_WEBP;
    if (!strncmp(loader, "VipsForeignLoadHeif", 19) || !strncmp(loader, "heifload", 8)) return PW_VIPS_AVIF;
    return 0;
}

int pw_vips_probe(const void *data, size_t length, pw_vips_info *info, char *error, size_t error_len) {
    memset(info, 0, sizeof(*info));
    const char *loader = vips_foreign_find_load_buffer(data, length);
    if (!loader) {
        take_error(error, error_len, "not an image libvips can read");
        return -1;
    }
    info->format = format_of_loader(loader);
    if (!info->format) {
        // A format the edge does not transform (GIF, SVG, TIFF, ...): no need to open it.
        info->orientation = 1;
        return 0;
    }
    // Opening reads the header only; pixels are decoded when an operation asks for them.
    VipsImage *image = vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!image) {
        take_error(error, error_len, "cannot read the image header");
        return -1;
    }
    info->width = vips_image_get_width(image);
    info->height = vips_image_get_height(image);
    info->bands = vips_image_get_bands(image);
    info->has_alpha = vips_image_hasalpha(image);
    int orientation = 1;
    if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) && vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation) == 0) {
        info->orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
    } else {
        info->orientation = 1;
    }
    g_object_unref(image);
    return 0;
}

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static void put_le32(unsigned char *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

// libvips 8.14's WebP writer adds an EXIF chunk (orientation, resolution) even with "strip" and with
// every metadata field removed: take the EXIF and XMP chunks out of the RIFF container in place, and
// their flags out of the VP8X header. Returns the new length.
static size_t webp_without_metadata(unsigned char *data, size_t length) {
    if (length < 12 || memcmp(data, "RIFF", 4) || memcmp(data + 8, "WEBP", 4)) return length;
    size_t read = 12, write = 12;
    while (read + 8 <= length) {
        size_t size = le32(data + read + 4);
        size_t whole = 8 + size + (size & 1);
        if (read + whole > length) break;  // malformed: keep what is left as it is
        int metadata = !memcmp(data + read, "EXIF", 4) || !memcmp(data + read, "XMP ", 4);
        if (!metadata) {
            if (!memcmp(data + read, "VP8X", 4) && size >= 1) data[read + 8] &= (unsigned char)~(0x08 | 0x04);
            if (write != read) memmove(data + write, data + read, whole);
            write += whole;
        }
        read += whole;
    }
    if (read < length) {
        memmove(data + write, data + read, length - read);
        write += length - read;
    }
    put_le32(data + 4, (uint32_t)(write - 8));
    return write;
}

static int save(VipsImage *image, pw_vips_format format, int quality, int effort, void **out, size_t *out_length) {
    switch (format) {
    case PW_VIPS_JPEG:
        return vips_jpegsave_buffer(image, out, out_length, "Q", quality, "strip", TRUE, "optimize_coding", TRUE, NULL);
    case PW_VIPS_PNG:
        return vips_pngsave_buffer(image, out, out_length, "strip", TRUE, "compression", 6, NULL);
    case PW_VIPS_WEBP:
        if (vips_webpsave_buffer(image, out, out_length, "Q", quality, "strip", TRUE, "effort", effort, NULL)) return -1;
        *out_length = webp_without_metadata(*out, *out_length);
        return 0;
    case PW_VIPS_AVIF:
        return vips_heifsave_buffer(
            image, out, out_length, "Q", quality, "strip", TRUE, "effort", effort, "bitdepth", 8,
            "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, NULL);
    }
    vips_error("perfwatch", "unknown output format %d", (int)format);
    return -1;
}

int pw_vips_thumbnail(
    const void *data, size_t length, int width, pw_vips_format format, int quality, int effort,
    void **out, size_t *out_length, int *out_width, int *out_height, char *error, size_t error_len) {
    *out = NULL;
    *out_length = 0;
    VipsImage *thumbnail = NULL;
    // Fit inside width × any height; VIPS_SIZE_DOWN never enlarges; auto-rotation is thumbnail's
    // default. fail_on=warning: a truncated or corrupt file fails instead of coming out half grey or
    // scrambled (libvips only warns on a bad Huffman code); the caller then serves the original, which is
    // never worse than a broken variant.
    int target = width;
    if (target <= 0) {
        pw_vips_info info;
        if (pw_vips_probe(data, length, &info, error, error_len)) return -1;
        target = info.orientation >= 5 ? info.height : info.width;  // 5...8 swap the axes
    }
    if (vips_thumbnail_buffer((void *)data, length, &thumbnail, target, "height", VIPS_MAX_COORD, "size", VIPS_SIZE_DOWN,
                              "option_string", "fail_on=warning", NULL)) {
        take_error(error, error_len, "cannot decode the image");
        return -1;
    }
    VipsImage *encoded = thumbnail;
    VipsImage *flat = NULL;
    if (format == PW_VIPS_JPEG && vips_image_hasalpha(thumbnail)) {
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        int failed = vips_flatten(thumbnail, &flat, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (failed) {
            g_object_unref(thumbnail);
            take_error(error, error_len, "cannot flatten the alpha channel");
            return -1;
        }
        encoded = flat;
    }
    int failed = save(encoded, format, quality, effort, out, out_length);
    if (!failed) {
        *out_width = vips_image_get_width(encoded);
        *out_height = vips_image_get_height(encoded);
    }
    if (flat) g_object_unref(flat);
    g_object_unref(thumbnail);
    if (failed) {
        take_error(error, error_len, "cannot encode the image");
        *out = NULL;
        *out_length = 0;
        return -1;
    }
    return 0;
}

void pw_vips_free(void *buffer) { g_free(buffer); }

size_t pw_vips_tracked_bytes(void) { return vips_tracked_get_mem(); }
size_t pw_vips_tracked_highwater(void) { return vips_tracked_get_mem_highwater(); }

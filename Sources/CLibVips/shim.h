// Only CVips includes libvips; this module exists for pkg-config's flags (glib's include paths) and
// the link lines. Swift code imports CVips, whose header is plain C.
#include <vips/vips.h>

/// The JavaScript the audit puts in the page. `observers` runs before any of the page's own scripts
/// (`Page.addScriptToEvaluateOnNewDocument`) so buffered PerformanceObserver entries are all seen — the
/// same entries web-vitals reads; `collect` reads them back with the timings and the images at the end.
enum PageProbe {
    static let observers = #"""
        (() => {
          if (window.__perfwatchLab) return;
          const lab = window.__perfwatchLab = {paints: [], lcp: [], shifts: [], longTasks: [], frames: []};
          const describe = (el) => {
            if (!el || !el.tagName) return '';
            let text = el.tagName.toLowerCase();
            if (el.id) text += '#' + el.id;
            if (typeof el.className === 'string' && el.className.trim()) text += '.' + el.className.trim().split(/\s+/).join('.');
            return text;
          };
          const observe = (type, record) => {
            try { new PerformanceObserver((list) => list.getEntries().forEach(record)).observe({type, buffered: true}); } catch (e) {}
          };
          observe('paint', (e) => lab.paints.push({name: e.name, startTime: e.startTime}));
          observe('largest-contentful-paint', (e) => lab.lcp.push({startTime: e.startTime, url: e.url || null, selector: describe(e.element)}));
          observe('layout-shift', (e) => lab.shifts.push({startTime: e.startTime, value: e.value, hadRecentInput: e.hadRecentInput}));
          observe('longtask', (e) => lab.longTasks.push({startTime: e.startTime, duration: e.duration}));
          observe('long-animation-frame', (e) => lab.frames.push({startTime: e.startTime, duration: e.duration,
            scripts: (e.scripts || []).map((s) => ({url: s.sourceURL || '', startTime: s.startTime, duration: s.duration}))}));
        })();
        """#

    /// Evaluated with `awaitPromise` after the page settled (CPU throttling off by then): everything the
    /// metrics and the image opportunities need, as one JSON value.
    static let collect = #"""
        (async () => {
          const lab = window.__perfwatchLab || {paints: [], lcp: [], shifts: [], longTasks: [], frames: []};
          const nav = performance.getEntriesByType('navigation')[0];
          const resources = performance.getEntriesByType('resource').map((r) => ({
            url: r.name, startTime: r.startTime, responseEnd: r.responseEnd, blocking: r.renderBlockingStatus === 'blocking'}));
          const images = [];
          for (const img of Array.from(document.images)) {
            if (!img.complete || !img.naturalWidth || !img.clientWidth) continue;
            const url = img.currentSrc || img.src;
            let webpBytes = null;
            if (/\.(jpe?g|png)(\?|$)/i.test(url) || /^data:image\/(jpeg|png)/.test(url)) {
              try {
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                canvas.getContext('2d').drawImage(img, 0, 0);
                const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/webp', 0.85));
                webpBytes = blob ? blob.size : null;
              } catch (e) { webpBytes = null; }
            }
            images.push({url, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
              width: img.clientWidth, height: img.clientHeight, webpBytes});
          }
          return {timeOrigin: performance.timeOrigin, now: performance.now(), dpr: window.devicePixelRatio,
            responseStart: nav ? nav.responseStart : null, loadEventEnd: nav ? nav.loadEventEnd : null,
            paints: lab.paints, lcp: lab.lcp, shifts: lab.shifts, longTasks: lab.longTasks, frames: lab.frames, resources, images};
        })()
        """#

    /// The end of the last long task, to wait for a quiet main thread.
    static let lastLongTaskEnd = #"""
        (() => { const t = (window.__perfwatchLab || {longTasks: []}).longTasks;
          return {now: performance.now(), lastEnd: t.length ? Math.max(...t.map((e) => e.startTime + e.duration)) : 0}; })()
        """#

    /// Speedline's histograms of screenshots (R, G, B; near-white pixels skipped), computed by the browser's own
    /// JPEG decoder in a blank page — Swift has none in this project. Called with a JSON array of base64 JPEGs.
    static func histograms(_ framesJSON: String) -> String {
        """
        (async () => {
          const frames = \(framesJSON);
          const result = [];
          for (const data of frames) {
            const img = new Image();
            img.src = 'data:image/jpeg;base64,' + data;
            await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(img, 0, 0);
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
            const histogram = new Array(768).fill(0);
            for (let i = 0; i < pixels.length; i += 4) {
              const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2];
              if (r >= 249 && g >= 249 && b >= 249) continue;
              histogram[r]++; histogram[256 + g]++; histogram[512 + b]++;
            }
            result.push(histogram);
          }
          return result;
        })()
        """
    }
}

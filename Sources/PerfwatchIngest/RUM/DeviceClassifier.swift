/// Mobile, tablet or desktop, from the User-Agent header and the viewport width the snippet
/// sends. The user agent decides when it says; the viewport decides when it does not.
public enum DeviceClassifier {
    public static func classify(userAgent: String?, viewportWidth: Int?) -> String {
        let agent = Array((userAgent ?? "").utf8)
        // Byte search: String.contains goes through generic string processing, which profiled
        // at a quarter of beacon ingest.
        func has(_ needle: StaticString) -> Bool {
            let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
            guard pattern.count <= agent.count else { return false }
            var start = 0
            while start + pattern.count <= agent.count {
                if agent[start] == pattern[0], (1..<pattern.count).allSatisfy({ agent[start + $0] == pattern[$0] }) { return true }
                start += 1
            }
            return false
        }
        let android = has("Android")
        if has("iPad") || has("Tablet") || (android && !has("Mobile")) {
            return "tablet"
        }
        if has("Mobi") || has("iPhone") || has("iPod") || android {
            return "mobile"
        }
        let saysDesktop = has("Windows") || has("Macintosh") || has("X11") || has("CrOS")
        if !saysDesktop, let width = viewportWidth, width > 0 {
            if width < 768 { return "mobile" }
            if width < 1024 { return "tablet" }
        }
        return "desktop"
    }
}

/// Mobile, tablet or desktop, from the User-Agent header and the viewport width the snippet
/// sends. The user agent decides when it says; the viewport decides when it does not.
public enum DeviceClassifier {
    public static func classify(userAgent: String?, viewportWidth: Int?) -> String {
        let agent = userAgent ?? ""
        if agent.contains("iPad") || agent.contains("Tablet") || (agent.contains("Android") && !agent.contains("Mobile")) {
            return "tablet"
        }
        if agent.contains("Mobi") || agent.contains("iPhone") || agent.contains("iPod") || agent.contains("Android") {
            return "mobile"
        }
        let saysDesktop = agent.contains("Windows") || agent.contains("Macintosh") || agent.contains("X11") || agent.contains("CrOS")
        if !saysDesktop, let width = viewportWidth, width > 0 {
            if width < 768 { return "mobile" }
            if width < 1024 { return "tablet" }
        }
        return "desktop"
    }
}

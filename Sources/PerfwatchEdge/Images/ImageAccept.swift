import Foundation
import PerfwatchImages

/// Which format a request's `Accept` lets the edge send, among a rule's formats.
enum ImageAccept {
    /// AVIF when the rule offers it and `Accept` names `image/avif` with q > 0, else WebP likewise; nil:
    /// the original format. Only explicit types count: `*/*` and `image/*` are what every client sends
    /// (curl, old browsers), and browsers that decode AVIF or WebP name them.
    static func choose(_ accept: String?, offered: [String]) -> ImageFormat? {
        guard let accept, !offered.isEmpty else { return nil }
        var accepted: Set<ImageFormat> = []
        for element in accept.split(separator: ",") {
            let parts = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first, let format = ImageFormat(mediaType: type) else { continue }
            let refused = parts.dropFirst().contains { parameter in
                parameter.hasPrefix("q=") && (Double(parameter.dropFirst(2)) ?? 1) <= 0
            }
            if !refused { accepted.insert(format) }
        }
        return offered.compactMap { ImageFormat(name: $0) }.filter { accepted.contains($0) }.min()
    }
}

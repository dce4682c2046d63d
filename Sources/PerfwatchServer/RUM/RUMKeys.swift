import Foundation
import PerfwatchModel

/// The public browser keys in force: the configured ones, or — with none configured — one
/// made on first start and kept in the data directory, so the snippet works with zero setup.
struct RUMKeys: Sendable {
    let keys: [RUMConfiguration.Key]
    /// The key shown on the dashboard's install box.
    var primary: RUMConfiguration.Key { keys[0] }

    static func load(configuration: ServerConfiguration) throws -> RUMKeys {
        if !configuration.rum.keys.isEmpty { return RUMKeys(keys: configuration.rum.keys) }
        let path = configuration.dataDirectory + "/rum-key"
        if let stored = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !stored.isEmpty
        {
            return RUMKeys(keys: [.init(key: stored, origins: ["*"])])
        }
        var generator = SystemRandomNumberGenerator()
        let key = "pw_" + (0..<16).map { _ in String(Int.random(in: 0..<36, using: &generator), radix: 36) }.joined()
        do {
            try key.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw PerfwatchError(.unavailable, "cannot write the browser key to \(path): \(error)")
        }
        return RUMKeys(keys: [.init(key: key, origins: ["*"])])
    }

    func key(_ value: String) -> RUMConfiguration.Key? { keys.first { $0.key == value } }

    /// Whether any key lets this origin send (for CORS preflights, which carry no key).
    func anyAllows(origin: String?) -> Bool { keys.contains { $0.allows(origin: origin) } }
}

public import Foundation
import PerfwatchModel

/// One key made by `perfwatch keys create`: only its SHA-256 is kept, with a short prefix of the
/// key so `keys list` and `keys revoke` can name it without showing it.
public struct StoredAPIKey: Codable, Sendable, Equatable {
    public var name: String
    public var prefix: String
    public var sha256: String
    public var scopes: [String]
    /// Unix ms.
    public var created: Int64
}

/// The keys file in the data directory (`api-keys.json`, mode 0600), written whole through a
/// temporary file and a rename (`.atomic`) so a running server never reads half of it. The server re-reads
/// it when it changes (`APIKeyRing`), so `create` and `revoke` take effect without a restart.
public struct APIKeyFile: Sendable {
    public static let fileName = "api-keys.json"
    /// Generated keys: "pwk_" and 40 base-62 characters (about 238 random bits).
    static let generatedLength = 40
    /// Characters of a key kept in clear as its prefix: enough to tell keys apart, far too few
    /// to guess the rest.
    static let prefixLength = 12

    public let path: String

    public init(dataDirectory: String) {
        path = (dataDirectory as NSString).appendingPathComponent(Self.fileName)
    }

    private struct Contents: Codable {
        var keys: [StoredAPIKey]
    }

    /// The stored keys; none when the file does not exist.
    public func load() throws -> [StoredAPIKey] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(Contents.self, from: data).keys
        } catch {
            throw ConfigurationError("cannot read the API keys file \(path): \(error)")
        }
    }

    /// Makes a key with these scopes, stores its digest and returns the key: the only time it is
    /// ever shown.
    public func create(name: String?, scopes: Set<AuthScope>, now: Date = Date()) throws -> (key: String, stored: StoredAPIKey) {
        guard !scopes.isEmpty else { throw ConfigurationError("give at least one --scope (\(AuthScope.names))") }
        return try withLock { try insert(name: name, scopes: scopes, now: now) }
    }

    private func insert(name: String?, scopes: Set<AuthScope>, now: Date) throws -> (key: String, stored: StoredAPIKey) {
        var keys = try load()
        let key = Self.generate()
        let prefix = String(key.prefix(Self.prefixLength))
        let name = name ?? prefix
        guard name.count <= 64, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw ConfigurationError("key name '\(name)' must be 1-64 letters, digits, '.', '_' or '-'")
        }
        guard !keys.contains(where: { $0.name == name }) else {
            throw ConfigurationError("a key named '\(name)' exists already; revoke it or choose another --name")
        }
        let stored = StoredAPIKey(
            name: name, prefix: prefix, sha256: SHA256.hex(key), scopes: AuthScope.allCases.filter(scopes.contains).map(\.rawValue),
            created: Int64(now.timeIntervalSince1970 * 1000))
        keys.append(stored)
        try save(keys)
        return (key, stored)
    }

    /// Removes the key with this name, or the one key whose prefix starts with `nameOrPrefix`.
    public func revoke(_ nameOrPrefix: String) throws -> StoredAPIKey {
        try withLock { try remove(nameOrPrefix) }
    }

    private func remove(_ nameOrPrefix: String) throws -> StoredAPIKey {
        var keys = try load()
        var matches = keys.indices.filter { keys[$0].name == nameOrPrefix }
        if matches.isEmpty, nameOrPrefix.count >= 4 { matches = keys.indices.filter { keys[$0].prefix.hasPrefix(nameOrPrefix) } }
        guard matches.count == 1, let index = matches.first else {
            throw ConfigurationError(
                matches.isEmpty
                    ? "no stored key is named '\(nameOrPrefix)' or has that prefix (see perfwatch keys list)"
                    : "'\(nameOrPrefix)' matches \(matches.count) keys; give the name or a longer prefix")
        }
        let removed = keys.remove(at: index)
        try save(keys)
        return removed
    }

    /// Two `perfwatch keys` runs at once must not both read the old list and each drop the
    /// other's change: changes hold an exclusive lock on a file beside the keys file.
    private func withLock<T>(_ body: () throws -> T) throws -> T {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let descriptor = open(path + ".lock", O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw ConfigurationError("cannot open \(path).lock to change the keys") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw ConfigurationError("cannot lock \(path).lock to change the keys") }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private func save(_ keys: [StoredAPIKey]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(Contents(keys: keys)).write(to: URL(fileURLWithPath: path), options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw ConfigurationError("cannot write the API keys file \(path): \(error)")
        }
    }

    static func generate() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return "pwk_" + String((0..<generatedLength).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

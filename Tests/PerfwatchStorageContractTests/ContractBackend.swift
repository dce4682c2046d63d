import Foundation
@testable import PerfwatchClickHouse
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// One backend under the contract: how to make an empty place for a store (a data directory, a
/// ClickHouse database), open a store on it (again, for the durability promise) and throw it away.
struct ContractBackend: Sendable, CustomTestStringConvertible {
    let name: String
    let makePlace: @Sendable () throws -> String
    let open: @Sendable (_ place: String, _ retention: RetentionPolicy) async throws -> any MetricStore
    let discard: @Sendable (_ place: String) async -> Void

    var testDescription: String { name }

    static let clickHouseEnvironmentKey = "PERFWATCH_TEST_CLICKHOUSE_URL"
    static let clickHouseURL = ProcessInfo.processInfo.environment[clickHouseEnvironmentKey]
    static let clickHouseSkipReason: Comment =
        "PERFWATCH_TEST_CLICKHOUSE_URL is unset: the contract ran against EmbeddedStore only (scripts/test.sh starts a private ClickHouse and sets it)"

    /// `EmbeddedStore` first, then ClickHouse when a test server is given.
    static var all: [ContractBackend] {
        [embedded] + (clickHouseURL.map { [clickHouse(url: $0)] } ?? [])
    }

    static let embedded = ContractBackend(
        name: "EmbeddedStore",
        makePlace: { try TemporaryDirectory(prefix: "perfwatch-contract").path },
        open: { place, retention in
            try EmbeddedStore(configuration: .init(directory: place, retention: retention, fsyncEachCommit: false))
        },
        discard: { place in try? FileManager.default.removeItem(atPath: place) })

    static func clickHouse(url: String) -> ContractBackend {
        ContractBackend(
            name: "ClickHouseStore",
            makePlace: { "pw_contract_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() },
            open: { place, retention in
                try await ClickHouseStore.open(location: try ClickHouseLocation(parsing: url).with(database: place), retention: retention)
            },
            discard: { place in
                guard let location = try? ClickHouseLocation(parsing: url) else { return }
                _ = try? await ClickHouseHTTP(location: location).execute("DROP DATABASE IF EXISTS \(place)")
            })
    }

    /// A store on a fresh place, thrown away after `body`.
    func withStore<T>(
        retention: RetentionPolicy = RetentionPolicy(), _ body: (any MetricStore, String) async throws -> T
    ) async throws -> T {
        let place = try makePlace()
        do {
            let result = try await body(try await open(place, retention), place)
            await discard(place)
            return result
        } catch {
            await discard(place)
            throw error
        }
    }
}

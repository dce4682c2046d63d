import ArgumentParser
import Foundation
import PerfwatchServer

/// `--data` and `--config` for the commands that work on a data directory without serving it
/// (`keys`, `store`): they find the same directory `perfwatch serve` would use.
struct DataDirectoryOptions: ParsableArguments {
    @Option(help: "Data directory (default: storage.path of --config, PERFWATCH_DATA, or ./perfwatch-data).")
    var data: String?

    @Option(help: "YAML configuration file (for its storage.path).")
    var config: String?

    var directory: String {
        get throws {
            var settings = try ServerConfiguration.loaded(configFile: config)
            if let data { settings.dataDirectory = data }
            return settings.dataDirectory
        }
    }
}

extension ServerConfiguration {
    /// Defaults, then the YAML file, then `PERFWATCH_*` variables; errors as command-line errors.
    static func loaded(configFile: String?) throws -> ServerConfiguration {
        var settings = ServerConfiguration()
        do {
            if let configFile { try settings.apply(yamlFile: configFile) }
            try settings.apply(environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        return settings
    }
}

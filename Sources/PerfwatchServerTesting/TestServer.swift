public import Logging
public import PerfwatchServer

extension ServerConfiguration {
    /// A configuration for in-process tests: a temporary data directory, no fsync, no host sampling.
    public static func testing(dataDirectory: String) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = dataDirectory
        configuration.port = 0
        configuration.fsync = false
        configuration.hostMetricsIntervalSeconds = 0
        return configuration
    }
}

extension Logger {
    public static let testing: Logger = {
        var logger = Logger(label: "perfwatch-test")
        logger.logLevel = .warning
        return logger
    }()
}

import Logging

/// The long-running commands (`serve`, `edge`) log to standard error at their `--log-level`.
enum StandardErrorLogging {
    static func bootstrap(levelName: String) {
        let level = Logger.Level(rawValue: levelName) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

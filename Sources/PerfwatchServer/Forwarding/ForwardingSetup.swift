import Logging
import PerfwatchForwarding

/// Builds the forwarding hub from the configuration's `forwarding:` destinations (nil without
/// any, so ingest has no observer at all). Spools default to `<data dir>/forwarding/<name>`.
enum ForwardingSetup {
    static func makeHub(configuration: ServerConfiguration, logger: Logger) throws -> ForwardingHub? {
        guard !configuration.forwarding.isEmpty else { return nil }
        let destinations = configuration.forwarding.map { destination in
            var resolved = destination
            if resolved.spoolDirectory == nil { resolved.spoolDirectory = configuration.dataDirectory + "/forwarding/" + destination.name }
            return resolved
        }
        let hub = try ForwardingHub(destinations: destinations, logger: logger)
        for lane in hub.lanes {
            logger.info(
                "forwarding to \(lane.destination.name) (\(lane.destination.kind.typeName))",
                metadata: ["signals": "\(lane.destination.signals.map(\.name).sorted())", "spool": "\(lane.spool.directory)"])
        }
        return hub
    }
}

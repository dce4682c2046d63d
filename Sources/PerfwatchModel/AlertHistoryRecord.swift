/// One line of alert history (`performance_alerts`): a state transition or an
/// acknowledgement of one alert instance.
public struct AlertHistoryRecord: Sendable, Equatable {
    /// `pending`, `firing`, `resolved`, `cancelled`, `acknowledged`.
    public var kind: String
    public var alertID: String
    public var rule: String
    public var group: String
    /// JSON object of the instance's labels.
    public var labelsJSON: String
    public var severity: String
    public var message: String
    public var threshold: Double
    public var value: Double?
    public var activeMs: Int64
    public var firedMs: Int64?
    public var resolvedMs: Int64?
    public var acknowledgedBy: String?
    public var acknowledgedMs: Int64?
    public var atMs: Int64
    public var silenced: Bool

    public init(
        kind: String, alertID: String, rule: String, group: String, labelsJSON: String, severity: String, message: String,
        threshold: Double, value: Double?, activeMs: Int64, firedMs: Int64?, resolvedMs: Int64?, acknowledgedBy: String?,
        acknowledgedMs: Int64?, atMs: Int64, silenced: Bool
    ) {
        self.kind = kind
        self.alertID = alertID
        self.rule = rule
        self.group = group
        self.labelsJSON = labelsJSON
        self.severity = severity
        self.message = message
        self.threshold = threshold
        self.value = value
        self.activeMs = activeMs
        self.firedMs = firedMs
        self.resolvedMs = resolvedMs
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedMs = acknowledgedMs
        self.atMs = atMs
        self.silenced = silenced
    }
}

/// A silence: while active, alerts its matchers select are evaluated and recorded but no
/// notification is sent for them (maintenance windows, known incidents).
public struct Silence: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var matchers: [LabelMatcher]
    /// Unix ms.
    public var startsAt: Int64
    /// Unix ms.
    public var endsAt: Int64
    public var createdBy: String
    public var comment: String

    public init(id: String, matchers: [LabelMatcher], startsAt: Int64, endsAt: Int64, createdBy: String, comment: String) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
    }

    /// Builds a silence from user input, naming the field of the first problem
    /// (`matchers[1]`, `endsAt`) so the API can answer 400 with it.
    public static func validated(
        id: String, matchers: [String], startsAt: Int64, endsAt: Int64, createdBy: String, comment: String
    ) throws(AlertingError) -> Silence {
        guard !matchers.isEmpty else {
            throw AlertingError(code: "invalid_field", message: "at least one matcher is required", field: "matchers")
        }
        var parsed: [LabelMatcher] = []
        for (index, text) in matchers.enumerated() {
            do {
                parsed.append(try LabelMatcher(parsing: text))
            } catch {
                throw AlertingError(code: "invalid_field", message: error.message, field: "matchers[\(index)]")
            }
        }
        guard endsAt > startsAt else {
            throw AlertingError(code: "invalid_field", message: "must be after startsAt", field: "endsAt")
        }
        guard !createdBy.isEmpty else {
            throw AlertingError(code: "invalid_field", message: "required field is missing", field: "createdBy")
        }
        return Silence(id: id, matchers: parsed, startsAt: startsAt, endsAt: endsAt, createdBy: createdBy, comment: comment)
    }

    public func isActive(at now: Int64) -> Bool { startsAt <= now && now < endsAt }

    /// Active at `now` and every matcher matches.
    public func silences(_ labels: [String: String], at now: Int64) -> Bool {
        isActive(at: now) && matchers.matches(labels)
    }
}

/// Who acknowledged a firing alert and when; stops escalation of that alert.
public struct Acknowledgement: Sendable, Hashable, Codable {
    public var by: String
    /// Unix ms.
    public var at: Int64
    public var comment: String?
    public init(by: String, at: Int64, comment: String? = nil) {
        self.by = by
        self.at = at
        self.comment = comment
    }
}

// Written by hand so that a missing comment stays absent whichever encoder writes it.
extension Acknowledgement {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(by, forKey: .by)
        try container.encode(at, forKey: .at)
        try container.encodeUnlessNil(comment, forKey: .comment)
    }
}

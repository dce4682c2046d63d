/// `POST /api/v1/deployments`.
struct DeploymentRequest: Decodable {
    let service: String?
    let version: String?
    let environment: String?
    /// Default: now.
    let time: TimeInput?
    let description: String?
}

/// `POST /api/v1/optimizations`: from an issue (`issueId`, the rest defaults to the issue's) or
/// free-standing (`type`, `description` and `route` required).
struct OptimizationRequest: Decodable {
    let issueId: Int64?
    let type: String?
    let description: String?
    let route: String?
    let service: String?
    let appliedAt: TimeInput?
    let release: String?
}

/// `POST /api/v1/optimizations/:id/apply` (the body is optional).
struct OptimizationApplyRequest: Decodable {
    let appliedAt: TimeInput?
}

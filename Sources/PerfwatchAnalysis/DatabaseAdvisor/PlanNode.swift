import Foundation

/// One node of an `EXPLAIN (FORMAT JSON)` plan, the fields the advisor reads and the dashboard shows.
public struct PlanNode: Sendable, Codable, Equatable {
    public var nodeType: String
    public var relation: String?
    public var schema: String?
    /// The name the statement gives the relation (`orders o` → `o`); join conditions use it.
    public var alias: String?
    public var index: String?
    public var filter: String?
    public var indexCond: String?
    /// `Hash Cond`, `Merge Cond` or `Join Filter`.
    public var joinCond: String?
    public var sortKey: [String]
    public var startupCost: Double
    public var totalCost: Double
    public var planRows: Double
    public var children: [PlanNode]

    public init(
        nodeType: String, relation: String? = nil, schema: String? = nil, alias: String? = nil, index: String? = nil, filter: String? = nil,
        indexCond: String? = nil, joinCond: String? = nil, sortKey: [String] = [], startupCost: Double = 0, totalCost: Double,
        planRows: Double = 0, children: [PlanNode] = []
    ) {
        self.nodeType = nodeType
        self.relation = relation
        self.schema = schema
        self.alias = alias
        self.index = index
        self.filter = filter
        self.indexCond = indexCond
        self.joinCond = joinCond
        self.sortKey = sortKey
        self.startupCost = startupCost
        self.totalCost = totalCost
        self.planRows = planRows
        self.children = children
    }

    /// The node's own cost: its total less its children's totals (never below 0: a Limit's
    /// child can cost more than the Limit, which stops it early).
    public var selfCost: Double { max(0, totalCost - children.reduce(0) { $0 + $1.totalCost }) }

    /// Child indexes from this node to the node with the largest self cost (the first on ties).
    public var costlyNodePath: [Int] {
        var best: (cost: Double, path: [Int]) = (selfCost, [])
        func visit(_ node: PlanNode, _ path: [Int]) {
            for (index, child) in node.children.enumerated() {
                let childPath = path + [index]
                if child.selfCost > best.cost { best = (child.selfCost, childPath) }
                visit(child, childPath)
            }
        }
        visit(self, [])
        return best.path
    }

    /// Every node, depth first, this one first.
    public var allNodes: [PlanNode] { [self] + children.flatMap(\.allNodes) }

    public enum ParseError: Error, Equatable {
        case notAPlan(String)
    }

    /// The plan of `EXPLAIN (FORMAT JSON)`'s text: `[{"Plan": {…}}]`.
    public static func parse(explainJSON text: String) throws -> PlanNode {
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
            let plan = ((value as? [Any])?.first as? [String: Any])?["Plan"] as? [String: Any]
        else { throw ParseError.notAPlan("EXPLAIN output is not [{\"Plan\": …}]: \(text.prefix(120))") }
        return try node(plan)
    }

    static func node(_ object: [String: Any]) throws -> PlanNode {
        guard let type = object["Node Type"] as? String, let total = (object["Total Cost"] as? NSNumber)?.doubleValue else {
            throw ParseError.notAPlan("a plan node without Node Type or Total Cost")
        }
        let joinCond = (object["Hash Cond"] ?? object["Merge Cond"] ?? object["Join Filter"]) as? String
        return PlanNode(
            nodeType: type, relation: object["Relation Name"] as? String, schema: object["Schema"] as? String, alias: object["Alias"] as? String,
            index: object["Index Name"] as? String, filter: object["Filter"] as? String,
            indexCond: (object["Index Cond"] ?? object["Recheck Cond"]) as? String, joinCond: joinCond,
            sortKey: object["Sort Key"] as? [String] ?? [], startupCost: (object["Startup Cost"] as? NSNumber)?.doubleValue ?? 0, totalCost: total,
            planRows: (object["Plan Rows"] as? NSNumber)?.doubleValue ?? 0,
            children: try (object["Plans"] as? [[String: Any]] ?? []).map(node))
    }
}

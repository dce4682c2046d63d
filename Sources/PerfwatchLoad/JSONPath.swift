import Foundation

/// The JSONPath subset captures need: `$`, `.key`, `["key"]` and `[index]`.
struct JSONPath: Sendable {
    enum Component: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    let components: [Component]

    init?(_ text: String) {
        var rest = Substring(text.trimmingSpaces())
        guard rest.hasPrefix("$") else { return nil }
        rest = rest.dropFirst()
        var components: [Component] = []
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let key = rest.prefix { $0 != "." && $0 != "[" }
                guard !key.isEmpty else { return nil }
                components.append(.key(String(key)))
                rest = rest.dropFirst(key.count)
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inner = rest[rest.index(after: rest.startIndex)..<close].trimmingSpaces()
                if let index = Int(inner) {
                    components.append(.index(index))
                } else if inner.count >= 2, let quote = inner.first, quote == "\"" || quote == "'", inner.last == quote {
                    components.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    return nil
                }
                rest = rest[rest.index(after: close)...]
            } else {
                return nil
            }
        }
        self.components = components
    }

    /// The value at the path as text (numbers and booleans printed, objects as JSON).
    func extract(from body: [UInt8]) -> String? {
        guard var value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else { return nil }
        for component in components {
            switch component {
            case .key(let key):
                guard let object = value as? [String: Any], let next = object[key] else { return nil }
                value = next
            case .index(let index):
                guard let array = value as? [Any] else { return nil }
                let position = index < 0 ? array.count + index : index
                guard array.indices.contains(position) else { return nil }
                value = array[position]
            }
        }
        switch value {
        case let text as String: return text
        case let number as NSNumber:
            // JSONSerialization gives NSNumber for numbers and booleans (and `1 is Bool` holds),
            // so booleans are told apart by their encoding.
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            return number.stringValue
        case is NSNull: return "null"
        default:
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
    }
}

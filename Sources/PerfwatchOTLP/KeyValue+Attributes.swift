/// Attributes as the product's OTLP producers (the demo workloads, the edge's spans) build them.
extension Opentelemetry_Proto_Common_V1_KeyValue {
    public static func string(_ key: String, _ value: String) -> Self {
        var pair = Self()
        pair.key = key
        pair.value.stringValue = value
        return pair
    }

    public static func int(_ key: String, _ value: Int64) -> Self {
        var pair = Self()
        pair.key = key
        pair.value.intValue = value
        return pair
    }
}

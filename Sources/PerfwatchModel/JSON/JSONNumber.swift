/// How the encoder writes a number: non-finite as `null` (JSON has no NaN), whole values below 1e15
/// without a fraction (`3`, not `3.0`) so times and counts read as integers, others as Swift prints
/// them (shortest text that reads back the same).
public enum JSONNumber {
    public static func append(_ value: Double, to out: inout String) {
        guard value.isFinite else {
            out += "null"
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            out += String(Int64(value))
        } else {
            out += "\(value)"
        }
    }
}

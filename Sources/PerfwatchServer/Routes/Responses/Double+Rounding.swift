/// The precision the API shows figures with, so the dashboard need not round.
extension Double {
    /// Two decimals: latencies in milliseconds.
    var roundedToHundredths: Double { (self * 100).rounded() / 100 }
    /// Four decimals: rates, ratios and shares below 1.
    var roundedToTenThousandths: Double { (self * 10_000).rounded() / 10_000 }
}

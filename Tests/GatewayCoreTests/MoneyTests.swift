import GatewayCore
import Testing

@Test func wanYuanConvertsExactly() throws {
    // DOMAIN.md §1.3: 罚款2000元 → 0.2 万元.
    #expect(try Money(parsing: "0.2", unit: .wanYuan).fen == 200_000)
    #expect(try Money(parsing: "0.2", unit: .wanYuan) == Money(parsing: "2000", unit: .yuan))
    #expect(try Money(parsing: "0.000001", unit: .wanYuan).fen == 1)
    #expect(try Money(parsing: "12.345600", unit: .wanYuan).yuanText == "123456.00")
    #expect(try Money(parsing: "1,234,567.89", unit: .yuan).fen == 123_456_789)
    #expect(try Money(parsing: "3", unit: .wanYuan).wanYuanText == "3")
    #expect(try Money(parsing: "0.2", unit: .wanYuan).wanYuanText == "0.2")
    #expect(try Money(parsing: "-1.5", unit: .yuan).yuanText == "-1.50")
    // 0.1 + 0.2 in floating point is 0.30000000000000004; here it is exact.
    #expect(try Money(parsing: "0.1", unit: .yuan).fen + Money(parsing: "0.2", unit: .yuan).fen == 30)
}

@Test(arguments: ["0.0000001", "1.2.3", "", "abc", "1,23", "12,3456", "99999999999999999999", ".", "-"])
func invalidAmountsAreRejectedNotRounded(text: String) {
    #expect(throws: CoreError(CoreError.moneyInvalid, "")) { try Money(parsing: text, unit: .wanYuan) }
}

@Test func yuanAmountsBeyondOneFenAreRejected() {
    #expect(throws: CoreError(CoreError.moneyInvalid, "")) { try Money(parsing: "1.005", unit: .yuan) }
}

import GatewayCore
import Testing

@testable import GatewayMapping

@Suite struct TransformTests {
    @Test(arguments: [
        ("2024/05/12", "yyyy/MM/dd", "2024-05-12"),
        ("20240512", "yyyyMMdd", "2024-05-12"),
        ("2024年5月2日", "yyyy年M月d日", "2024-05-02"),
        ("2024年12月31日", "yyyy年M月d日", "2024-12-31"),
        ("2024-05-12 08:30:00", "yyyy-MM-dd", "2024-05-12"),
        ("2024-05-12T08:30:00", "yyyy-MM-dd", "2024-05-12"),
        ("1715443200000", "epochMillis", "2024-05-12"),
        ("1715443200", "epochSeconds", "2024-05-12"),
        ("2099/12/31", "yyyy/MM/dd", "2099-12-31"),
        ("2024.5.12", "yyyy.M.d", "2024-05-12"),
        ("２０２４／０５／１２", "yyyy/MM/dd", "2024-05-12"),
    ])
    func parsesDateForms(input: String, format: String, expected: String) throws {
        let d = try #require(Transforms.parseDate(input, formats: [format]))
        #expect(d.description == expected)
    }

    @Test(arguments: [
        ("2024/13/01", "yyyy/MM/dd"), ("2023/02/29", "yyyy/MM/dd"), ("2024-5-12", "yyyy-MM-dd"),
        ("2024/05/12x", "yyyy/MM/dd"), ("", "yyyy/MM/dd"), ("12/05/2024", "yyyy/MM/dd"), ("abc", "epochMillis"),
    ])
    func rejectsBadDates(input: String, format: String) {
        #expect(Transforms.parseDate(input, formats: [format]) == nil)
    }

    @Test func epochMillisIsReadInChinaTime() {
        // 2024-05-11T16:00:00Z is 2024-05-12 00:00 in Beijing; one millisecond earlier is still the 11th.
        #expect(Transforms.parseDate("1715443200000", formats: ["epochMillis"])?.description == "2024-05-12")
        #expect(Transforms.parseDate("1715443199999", formats: ["epochMillis"])?.description == "2024-05-11")
    }

    @Test(arguments: [
        ("2000", Money.Unit.yuan, Int64(200_000)),
        ("0.2", .wanYuan, 200_000),
        ("0.2万元", .yuan, 200_000),
        ("5万", .yuan, 5_000_000),
        ("1,234.50", .yuan, 123_450),
        ("¥3,000元", .wanYuan, 300_000),
        ("３０００．００ 元", .wanYuan, 300_000),
        ("0.000001", .wanYuan, 1),
        ("RMB 12.5", .yuan, 1_250),
        (" RMB1,000 ", .wanYuan, 1_000_000_000),
    ])
    func parsesMoney(input: String, unit: Money.Unit, fen: Int64) throws {
        #expect(try Transforms.parseMoney(input, defaultUnit: unit).fen == fen)
    }

    @Test(arguments: ["", "abc", "1,23,4", "0.0000001万元", "12.345"])
    func rejectsBadMoney(input: String) {
        #expect(throws: CoreError.self) { try Transforms.parseMoney(input, defaultUnit: .yuan) }
    }

    @Test func textTransforms() {
        #expect(Transforms.apply(["trim"], to: "  a b\u{3000}") == "a b")
        #expect(Transforms.apply(["halfWidth"], to: "９１３３ＡＢ") == "9133AB")
        #expect(Transforms.apply(["upper"], to: "91x") == "91X")
        #expect(Transforms.apply(["removeSpaces"], to: "9133 0100 X") == "91330100X")
        #expect(Transforms.apply(["stripTrailing:号"], to: "123号") == "123")
        #expect(Transforms.apply(["stripLeading:No."], to: "No.7") == "7")
        #expect(Transforms.isKnownTransform("trim"))
        #expect(!Transforms.isKnownTransform("rot13"))
    }

    @Test func integersAndSplitting() {
        #expect(Transforms.parseInteger("45") == 45)
        #expect(Transforms.parseInteger("45岁") == 45)
        #expect(Transforms.parseInteger("四十") == nil)
        #expect(Transforms.split("警告、罚款;没收违法所得", separators: ["、", ";"]) == ["警告", "罚款", "没收违法所得"])
        #expect(Transforms.split("a\u{1F}b", separators: []) == ["a", "b"])
        #expect(Transforms.split(" , ", separators: [","]) == [])
    }
}

@Suite struct IdentityMaskingTests {
    @Test(arguments: [
        (#"{"idNumber":"330106199007282463","x":1}"#, #"{"idNumber":"330106********2463","x":1}"#),
        ("a,11010519491231002X,b", "a,110105********002X,b"),
        ("legacy 110105491231002 end", "legacy 110105*****1002 end"),
        // A USCC, a registration number, a longer digit run and a date-less 18-digit run stay as they are.
        ("91330100716105852F,330100000000001,1234567890123456789", "91330100716105852F,330100000000001,1234567890123456789"),
        ("330106999913992463", "330106999913992463"),
        ("3307021979****3173", "3307021979****3173"),
    ])
    func masksClearIdentityNumbersOnly(input: String, expected: String) {
        #expect(IdentityMasking.mask(input) == expected)
    }
}

import Foundation
import Gateway
import GatewayHTTP
import Testing

@testable import GatewayCLI

/// What schemathesis (Contracts/http/schemathesis.sh) found against the running node, kept as regressions.
@Suite(.serialized) struct APIFuzzRegressionTests {
    @Test func replayOfAnUnknownQueueItemIs404AndAHugeReportPeriodIs400() throws {
        let rig = try Rig("apifuzz")
        let gateway = try RunningGateway(rig)
        defer { gateway.stop() }
        let operate = rig.credentials.operate

        // Was 500 `http.internal` (the store's `store.notFound` escaped the route).
        var headers = HTTPHeaders()
        headers.add("Authorization", "Bearer \(operate)")
        headers.add("Content-Type", "application/x-www-form-urlencoded")
        let replay = try gateway.api.client.post(
            gateway.base + "/ops/dlq/replay", body: Array("id=24627".utf8), headers: headers)
        #expect(replay.status == 404, "\(replay.status) \(String(decoding: replay.body, as: UTF8.self))")
        #expect(String(decoding: replay.body, as: UTF8.self).contains("ops.replay.notFound"))

        // Was 200 after 20 s and more, holding a blocking worker (two such requests stalled the node).
        let started = Date()
        let report = try gateway.api.get("/v1/reports/dual-publicity?from=1900-01-01&to=2100-12-31", token: operate)
        #expect(report.status == 400, "\(report.status)")
        #expect(String(decoding: report.body, as: UTF8.self).contains("report.periodTooLong"))
        let within = try gateway.api.get("/v1/reports/dual-publicity?from=2024-01-01&to=2024-12-31", token: operate)
        #expect(within.status == 200, "\(within.status)")
        print(
            "[reliability] api-fuzz regressions: unknown dlq item 404, 201-year report 400 in "
                + String(format: "%.2f s", Date().timeIntervalSince(started)))
    }
}

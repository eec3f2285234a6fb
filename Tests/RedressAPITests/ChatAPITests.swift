import Foundation
import HTTPTypes
import RedressDomain
import Testing

/// Online support through the API, on both engines: opening with and without an agent on duty, taking, writing,
/// a proposal pre-filled from the member's words, the member's confirmation filing a complaint with the transcript
/// sealed into the case for staff only, and chats kept from merchants and other members.
@Suite("Online support")
struct ChatAPITests {
    static func messages(_ r: Reply) -> [[String: Any]] { (r["messages"] as? [[String: Any]]) ?? [] }

    @Test(arguments: Engine.allCases) func aChatBecomesAComplaintTheMemberConfirms(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        _ = try await t.staff(.agent, login: "agent2@x.cn")
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let member = try await c.member("13900002222")
            let agent = try await c.login("agent@x.cn")
            let agent2 = try await c.login("agent2@x.cn")

            // Nobody on duty: the chat waits as a message, with the time to expect an answer.
            let first = try await c.call(.post, "/api/v1/chats", token: member, json: #"{"body":"你好，有人吗？"}"#)
            #expect(first.status == .created, "\(String(buffer: first.body))")
            #expect(first["expectedReplyBy"] as? String != nil)
            #expect(first["status"] as? String == "waiting")

            // An agent on duty: the next chat is not told to wait.
            let duty = try await c.call(.put, "/api/v1/duty", token: agent, json: #"{"onDuty":true}"#)
            #expect(duty["onDuty"] as? Bool == true)
            #expect(duty["agentsOnDuty"] as? Int == 1)
            let opened = try await c.call(
                .post, "/api/v1/chats", token: member, json: #"{"body":"订单号 KM20261207001 充值 98 元的点卡一直没到账，想退款"}"#)
            #expect(opened["expectedReplyBy"] == nil)
            let id = try #require(opened["id"] as? String)
            t.clock.advance(hours: 0.05)

            let waiting = try await c.call(.get, "/api/v1/chats", token: agent)
            let row = ((waiting.json as? [[String: Any]]) ?? []).first { $0["id"] as? String == id }
            #expect(row?["waitingSeconds"] as? Int == 180)
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/take", token: agent).status == .ok)
            let late = try await c.call(.post, "/api/v1/chats/\(id)/take", token: agent2)
            #expect(late.status == .conflict)
            #expect(late.errorCode == "chat_taken")
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/messages", token: agent, json: #"{"body":"您好，我来帮您查一下。"}"#).status == .created)
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/messages", token: member, json: #"{"body":"好的，谢谢"}"#).status == .created)
            let empty = try await c.call(.post, "/api/v1/chats/\(id)/messages", token: member, json: #"{"body":"   "}"#)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.errorField == "body")

            // The member reads the conversation; after=N gives only what is new.
            let all = try await c.call(.get, "/api/v1/chats/\(id)", token: member)
            #expect(Self.messages(all).compactMap { $0["body"] as? String }.contains("您好，我来帮您查一下。"))
            let new = try await c.call(.get, "/api/v1/chats/\(id)?after=3", token: member)
            #expect(Self.messages(new).map { $0["body"] as? String } == ["好的，谢谢"])

            // The agent proposes; the order number and amount come from what the member said.
            let proposed = try await c.call(
                .post, "/api/v1/chats/\(id)/proposal", token: agent, json: #"{"category":"transaction.topup_not_credited"}"#)
            #expect(proposed.status == .ok, "\(String(buffer: proposed.body))")
            let proposal = try #require(proposed["proposal"] as? [String: Any])
            #expect(proposal["orderNumber"] as? String == "KM20261207001")
            #expect(proposal["amountClaimedFen"] as? Int == 9800)
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/confirm", token: agent).status == .forbidden)
            let filed = try await c.call(.post, "/api/v1/chats/\(id)/confirm", token: member)
            #expect(filed.status == .created, "\(String(buffer: filed.body))")
            #expect(filed["channel"] as? String == "chat")
            let caseId = try #require(filed["id"] as? String)
            let after = try await c.call(.get, "/api/v1/chats/\(id)", token: member)
            #expect(after["status"] as? String == "converted")
            #expect(after["complaintId"] as? String == caseId)
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/confirm", token: member).status == .conflict)

            // The transcript is on the case for staff, not in the member's view of the timeline.
            let admin = try await c.login("admin@x.cn")
            let staffView = String(buffer: try await c.call(.get, "/api/v1/complaints/\(caseId)/timeline", token: admin).body)
            #expect(staffView.contains("在线客服记录"))
            #expect(staffView.contains("您好，我来帮您查一下。"))
            let memberView = String(buffer: try await c.call(.get, "/api/v1/complaints/\(caseId)/timeline", token: member).body)
            #expect(!memberView.contains("在线客服记录"))
            #expect(try await c.call(.get, "/api/v1/complaints/\(caseId)/verify", token: admin).status == .ok)
        }
    }

    @Test(arguments: Engine.allCases) func chatsAreKeptFromEveryoneButTheirMemberAndTheAgents(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (_, shop) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            let member = try await c.member("13900003333")
            let other = try await c.member("13900004444")
            let caseId = try await c.file(member)
            let othersCase = try await c.file(other)
            // About one's own case only.
            #expect(
                try await c.call(.post, "/api/v1/chats", token: member, json: #"{"body":"关于这个案件","complaintId":"\#(othersCase)"}"#).status
                    == .notFound)
            let r = try await c.call(.post, "/api/v1/chats", token: member, json: #"{"body":"关于这个案件，手机 13900003333","complaintId":"\#(caseId)"}"#)
            let id = try #require(r["id"] as? String)
            for token in [shop, other] {
                #expect(try await c.call(.get, "/api/v1/chats/\(id)", token: token).status == .notFound)
                #expect(try await c.call(.post, "/api/v1/chats/\(id)/messages", token: token, json: #"{"body":"x"}"#).status == .notFound)
            }
            #expect(try await c.call(.get, "/api/v1/chats", token: shop).status == .forbidden)
            #expect(((try await c.call(.get, "/api/v1/chats", token: other).json as? [Any]) ?? [1]).isEmpty)
            #expect(try await c.call(.post, "/api/v1/chats", token: shop, json: #"{"body":"商家"}"#).status == .forbidden)
            #expect(try await c.call(.put, "/api/v1/duty", token: member, json: #"{"onDuty":true}"#).status == .forbidden)

            // Ended by the agent: the transcript stays on the case, for staff.
            let agent = try await c.login("agent@x.cn")
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/messages", token: agent, json: #"{"body":"已为您备注"}"#).status == .created)
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/close", token: agent)["status"] as? String == "closed")
            #expect(try await c.call(.post, "/api/v1/chats/\(id)/messages", token: member, json: #"{"body":"还在吗"}"#).status == .conflict)
            let staffView = String(buffer: try await c.call(.get, "/api/v1/complaints/\(caseId)/timeline", token: admin).body)
            #expect(staffView.contains("已为您备注"))
            // The opening words are sealed like the rest of the member's data: the phone number is not in the files.
            let files = try FileManager.default.contentsOfDirectory(atPath: t.directory).filter { $0.hasPrefix("redress.sqlite") }
            for f in files {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: t.directory + "/" + f))
                #expect(bytes.range(of: Data("关于这个案件，手机".utf8)) == nil, "\(f)")
            }
        }
    }

    /// The pages without JavaScript: the member opens a chat from the support link, the agent goes on duty, takes it and
    /// writes, proposes a complaint; the member confirms it and lands on the new case.
    @Test func theChatPagesWorkWithoutJavaScript() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            _ = try await c.member("13900005555")
            var member = try await WebUser.login(c, "13900005555")
            var agent = try await WebUser.login(c, "agent@x.cn")
            let home = try await member.get(c, "/my")
            #expect(home.html.contains(#"href="/my/chat""#))
            let desk = try await agent.get(c, "/work/chats")
            #expect(desk.html.contains("开始值班"))
            #expect(try await agent.post(c, "/work/chats/duty", ["onDuty": "1"]).status == .seeOther)
            #expect(try await member.get(c, "/my/chat").html.contains("客服在线"))
            let opened = try await member.post(c, "/my/chat", ["body": "我的会员卡订单 KM20261207009 付了 30 元没开通"])
            #expect(opened.status == .seeOther, "\(opened.html)")
            let path = try #require(opened.headers[.location])
            let id = String(path.split(separator: "/").last ?? "")
            let list = try await agent.get(c, "/work/chats?fragment=1")
            #expect(list.html.contains("KM20261207009"))
            #expect(try await agent.post(c, "/work/chats/\(id)/take", [:]).status == .seeOther)
            #expect(try await agent.post(c, "/work/chats/\(id)/messages", ["body": "收到，正在为您核实"]).status == .seeOther)
            let page = try await member.get(c, path)
            #expect(page.html.contains("收到，正在为您核实"))
            #expect(page.html.contains(#"data-live="/api/v1/chats/\#(id)/live?after=3""#))
            #expect(try await member.get(c, path + "?fragment=1").html.hasPrefix("<ol class=\"chat-lines\">"))
            let agentPage = try await agent.get(c, "/work/chats/\(id)")
            #expect(agentPage.html.contains(#"value="KM20261207009""#))
            #expect(
                try await agent.post(
                    c, "/work/chats/\(id)/proposal",
                    ["category": "service.membership_not_activated", "orderNumber": "KM20261207009", "narrative": "会员卡付款 30 元后未开通"]
                ).status == .seeOther)
            let proposed = try await member.get(c, path)
            #expect(proposed.html.contains("确认并提交投诉"))
            let filed = try await member.post(c, path + "/confirm", [:])
            #expect(filed.status == .seeOther)
            #expect(filed.headers[.location]?.hasPrefix("/my/cases/") == true)
            // Without the form's token nothing is sent.
            #expect(try await member.post(c, path + "/messages", ["body": "x"], csrf: false).status == .unprocessableContent)
        }
    }
}

@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

@Suite("The report file in the chat")
struct ReportFileTests {
    static let withFiles = TransportCapabilities(directMessages: true, threads: true, markup: .plain, files: true)

    static func harness(_ capabilities: TransportCapabilities = withFiles) throws -> Harness {
        var h = try People.started(capabilities: capabilities)
        h.now = h.instant("2027-01-05 10:00")
        return h
    }

    @Test("report html parses as the file form; report alone is still before and after; another format is a wrong form")
    func forms() {
        guard case .command(let command) = People.parse("!report html") else {
            Issue.record("report html did not parse")
            return
        }
        #expect(command.name == "report")
        #expect(command.isAdminOnly)
        guard case .command(let plain) = People.parse("!report") else {
            Issue.record("report did not parse")
            return
        }
        #expect(!plain.isAdminOnly)
        #expect(People.parse("!report HTML") == People.parse("!report html"))
        #expect(People.parse("!report pdf") == .malformed(command: "report", problem: .badForm))
        #expect(People.parse("!report html please") == .malformed(command: "report", problem: .badForm))
    }

    @Test("a member who is not an admin is refused, and nothing is queued for a file")
    func notAdmin() throws {
        var h = try Self.harness()
        let sent = h.say("sam", "!report html", name: "Sam")
        #expect(sent.count == 1)
        #expect(sent[0].attachment == nil)
        #expect(sent[0].destination == .channel)
        #expect(sent[0].text.contains("that one is for admins"), "\(sent[0].text)")
    }

    @Test("asked in the channel, the file goes to the admin privately with its caption, and the channel hears only that")
    func askedInTheChannel() throws {
        var h = try Self.harness()
        let sent = h.say("alex", "!report html", name: "Alex")
        #expect(sent.count == 2)
        let file = try #require(sent.first { $0.attachment != nil })
        #expect(file.attachment == .programmeReport(format: .html))
        #expect(file.destination == .direct(userID: "alex"))
        #expect(file.text.contains("programme report, Alex: open the file in a web browser"), "\(file.text)")
        let notice = try #require(sent.first { $0.attachment == nil })
        #expect(notice.destination == .channel)
        #expect(notice.text.contains("sent the programme report to you privately, Alex"), "\(notice.text)")
    }

    @Test("asked in a private chat, the file is the whole answer")
    func askedPrivately() throws {
        var h = try Self.harness()
        let sent = h.say("alex", "report html", name: "Alex", direct: true)
        #expect(sent.count == 1)
        #expect(sent[0].attachment == .programmeReport(format: .html))
        #expect(sent[0].destination == .direct(userID: "alex"))
    }

    @Test("where the platform takes no files, the reply says so at once and points to coach report")
    func noFiles() throws {
        var h = try Self.harness(.init(directMessages: true, threads: false, markup: .plain, files: false))
        let sent = h.say("alex", "!report html", name: "Alex")
        #expect(sent.count == 1)
        #expect(sent[0].attachment == nil)
        #expect(sent[0].destination == .channel)
        #expect(sent[0].text.contains("I can't send files here, Alex"), "\(sent[0].text)")
        #expect(sent[0].text.contains("coach report --html report.html"))
    }

    @Test("where there are no private messages, the report is not posted in the channel")
    func noPrivateMessages() throws {
        var h = try Self.harness(.init(directMessages: false, threads: false, markup: .plain, files: true))
        let sent = h.say("alex", "!report html", name: "Alex")
        #expect(sent.count == 1)
        #expect(sent[0].attachment == nil)
        #expect(sent[0].text.contains("can't message you privately here"), "\(sent[0].text)")
        #expect(sent[0].text.contains("coach report --html"))
    }

    @Test("a file that did not go is dropped, and the member is told why and how else to get the report", arguments: [
        (FileProblem.notAllowed, "doesn't let me upload files"),
        (.tooLarge, "larger than this chat accepts"),
        (.notMade, "couldn't make the report file just now"),
        (.unsupported, "I can't send files here, Alex"),
    ])
    func notSent(_ problem: FileProblem, _ words: String) throws {
        var h = try Self.harness()
        // Queued but not yet delivered: the harness delivers everything, so queue it afresh and keep it.
        let coach = h.coach
        _ = coach.receive(
            [InboundMessage(id: "m1", senderID: "alex", senderName: "Alex", text: "report html", isDirect: true)],
            at: h.now, state: &h.state)
        let file = try #require(h.state.outbox.first { $0.attachment != nil })
        let outcome = coach.fileNotSent(
            outboxID: file.id, problem: problem, reason: "slack: missing_scope files:write", at: h.now, state: &h.state)
        #expect(outcome.events.first == .dropped(id: file.id, reason: "slack: missing_scope files:write"))
        #expect(!h.state.outbox.contains { $0.id == file.id })
        let notice = try #require(outcome.queued.first)
        #expect(outcome.queued.count == 1)
        #expect(notice.destination == .direct(userID: "alex"))
        #expect(notice.attachment == nil)
        #expect(notice.text.contains(words), "\(notice.text)")
        #expect(notice.text.contains("coach report --html"))
        #expect(outcome.notes.contains { $0.level == .warning && $0.metadata["problem"] == problem.rawValue })
    }

    @Test("a file no longer in the outbox changes nothing")
    func notSentTwice() throws {
        var h = try Self.harness()
        let before = h.state
        let outcome = h.coach.fileNotSent(outboxID: "o999", problem: .notAllowed, reason: "x", at: h.now, state: &h.state)
        #expect(outcome.events.isEmpty)
        #expect(h.state == before)
    }

    @Test("the attachment request survives the journal, and an unknown one is refused by name")
    func journal() throws {
        for attachment in OutboundMessage.Attachment.all {
            let message = OutboundMessage(
                id: "o7", destination: .direct(userID: "alex"), kind: .reply, text: "caption", createdAt: Date(timeIntervalSince1970: 1),
                attachment: attachment)
            let data = try JSONCoding.encoder.encode(StateEvent.queued(message))
            #expect(String(decoding: data, as: UTF8.self).contains("\"attachment\":\"\(attachment.label)\""))
            #expect(try JSONCoding.decoder.decode(StateEvent.self, from: data) == .queued(message))
        }
        let unknown = #"{"type":"queued","value":{"id":"o1","destination":"channel","kind":"reply","text":"x","createdAt":1,"attachment":"programmeReport:pdf"}}"#
        do {
            _ = try JSONCoding.decoder.decode(StateEvent.self, from: Data(unknown.utf8))
            Issue.record("an unknown attachment was accepted")
        } catch {
            #expect(JSONCoding.describe(error).contains("unknown attachment programmeReport:pdf"), "\(JSONCoding.describe(error))")
        }
    }
}

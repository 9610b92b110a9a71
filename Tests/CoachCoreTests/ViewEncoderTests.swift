@testable import CoachCore
import Testing

/// The encoder that turns a view into what Mustache reads. Templates rely on Mustache's own rules for Swift values
/// (an absent key or `false` or an empty list hides a section; `first()` and `equalzero()` work), so the encoder
/// must hand over the Swift values themselves.
@Suite("View encoder")
struct ViewEncoderTests {
    struct Row: Encodable {
        var name: String
        var count: Int
    }

    struct Shared: Encodable {
        var weekNumber: Int
        var title: String
    }

    enum Problem: String, TemplateFlag { case badDate, tooLong }

    struct View: Encodable {
        var text: String
        var count: Int
        var flag: Bool
        var ratio: Double
        var missing: String?
        var names: [String]
        var rows: [Row]
        var nested: Row
        @Inline var shared: Shared
        @Inline var absent: Shared? = nil
        var problem: Problem
    }

    /// A view that writes a list through a nested container, as a hand-written `encode(to:)` may.
    struct HandWritten: Encodable {
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: RawKey.self)
            var list = c.nestedUnkeyedContainer(forKey: RawKey(stringValue: "items"))
            try list.encode("a")
            try list.encode("b")
            try c.encode("after", forKey: RawKey(stringValue: "tail"))
        }
    }

    struct RawKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static var view: View { View(
        text: "<b>hi</b>", count: 0, flag: false, ratio: 2.5, missing: nil, names: ["Sam", "Jo"],
        rows: [Row(name: "Sam", count: 2), Row(name: "Jo", count: 1)], nested: Row(name: "Ann", count: 3),
        shared: Shared(weekNumber: 4, title: "Listen"), problem: .badDate) }

    @Test("values stay Swift values: strings, whole numbers, flags, lists and nested views")
    func values() throws {
        let node = try #require(ViewEncoder.tree(Self.view) as? RenderNode)
        #expect(node.child(named: "text") as? String == "<b>hi</b>")
        #expect(node.child(named: "count") as? Int == 0)
        #expect(node.child(named: "flag") as? Bool == false)
        #expect(node.child(named: "ratio") as? Double == 2.5)
        #expect(node.child(named: "missing") == nil, "an absent optional is an absent key, so its section hides")
        #expect((node.child(named: "names") as? [Any])?.compactMap { $0 as? String } == ["Sam", "Jo"])
        let rows = try #require(node.child(named: "rows") as? [Any])
        #expect((rows.first as? RenderNode)?.child(named: "count") as? Int == 2)
        #expect((node.child(named: "nested") as? RenderNode)?.child(named: "name") as? String == "Ann")
    }

    @Test("an inline view's keys join its parent's, and a nil one adds none")
    func inline() throws {
        let node = try #require(ViewEncoder.tree(Self.view) as? RenderNode)
        #expect(node.child(named: "weekNumber") as? Int == 4)
        #expect(node.child(named: "title") as? String == "Listen")
        #expect(node.child(named: "shared") == nil && node.child(named: "absent") == nil)
    }

    @Test("a flag enum is one set key under its name")
    func flags() throws {
        let node = try #require(ViewEncoder.tree(Self.view) as? RenderNode)
        let problem = try #require(node.child(named: "problem") as? RenderNode)
        #expect(problem.child(named: "badDate") as? Bool == true)
        #expect(problem.child(named: "tooLong") == nil)
    }

    @Test("a list written through a nested container reads as a list")
    func nestedList() throws {
        let node = try #require(ViewEncoder.tree(HandWritten()) as? RenderNode)
        #expect((node.child(named: "items") as? [Any])?.compactMap { $0 as? String } == ["a", "b"])
        #expect(node.child(named: "tail") as? String == "after")
    }
}

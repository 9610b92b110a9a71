/// What one message shows: a typed view rendered through its template.
///
/// The view's stored properties are the template's keys, so a misspelled key is a compile error rather than an
/// empty line in a Friday post. Strings are user or catalogue text and are escaped for the platform as they are
/// substituted; nothing in a view is ever parsed as a template.
public protocol MessageView: Encodable {
    static var template: Template { get }
}

/// An enum a template reads as one set flag: `{{#problem}}{{#badDate}}…{{/badDate}}{{/problem}}`.
///
/// Templates branch on which case it is, while the case names are declared once, in the enum.
public protocol TemplateFlag: RawRepresentable<String>, Encodable {}

extension TemplateFlag {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FlagKey.self)
        try container.encode(true, forKey: FlagKey(stringValue: rawValue))
    }
}

struct FlagKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The keys every engine message may use besides its view's own: who the bot is and which team it serves, and for a
/// reply, the name of the person it answers.
struct Envelope<View: MessageView>: MessageView {
    static var template: Template { View.template }

    var view: View
    var bot: String
    var team: String
    var you: String?

    enum CodingKeys: String, CodingKey { case bot, team, you }

    func encode(to encoder: any Encoder) throws {
        // The shared keys first: a view that has a key of the same name overrides it.
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bot, forKey: .bot)
        try container.encode(team, forKey: .team)
        try container.encodeIfPresent(you, forKey: .you)
        try view.encode(to: encoder)
    }
}

/// A view inside a view whose keys the template reads at the top level: `{{weekNumber}}` rather than
/// `{{week.weekNumber}}`. Shared parts (the week, a late note) are declared once and embedded where they are shown.
@propertyWrapper
public struct Inline<Value: Encodable>: Encodable, InlineEncodable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }

    func encodeInline(into node: RenderNode) throws {
        try wrappedValue.encode(to: NodeEncoder(node: node))
    }
}

/// Marks a value the view encoder writes into its parent's keys instead of under a key of its own.
protocol InlineEncodable {
    func encodeInline(into node: RenderNode) throws
}

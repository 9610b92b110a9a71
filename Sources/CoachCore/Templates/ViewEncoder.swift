import Mustache

/// Turns a typed view into the tree Mustache reads: a keyed value becomes a `RenderNode`, a list an `[Any]`, and
/// strings, numbers and flags stay the Swift values they are, so Mustache's own rules apply to them (`false`, an empty
/// list and an absent key hide a section; `first()` and `equalzero()` work as in any template).
///
/// Written for this one job rather than going through JSON: every reply is rendered on the message path, and this
/// builds the tree in one pass without text in between.
enum ViewEncoder {
    static func tree(_ view: some Encodable) -> Any {
        (try? box(view)) ?? RenderNode()
    }

    /// The tree for one value. Strings, numbers and flags are stored as they are; anything else is encoded.
    static func box<T: Encodable>(_ value: T) throws -> Any {
        switch value {
        case let text as String: return text
        case let number as Int: return number
        case let flag as Bool: return flag
        case let number as Double: return number
        default:
            let encoder = TreeEncoder()
            try value.encode(to: encoder)
            return encoder.result
        }
    }
}

/// A keyed value as Mustache reads it. A class, because Mustache looks children up through `MustacheParent` for
/// every tag, and a class conforms directly where a dictionary conforms only conditionally, a cast that cost more
/// than the rest of a render.
final class RenderNode: MustacheParent {
    /// Room for a typical view's keys from the start: growing a dictionary one key at a time rehashes it each time
    /// it doubles, which was most of the cost of encoding a reply.
    var values: [String: Any] = Dictionary(minimumCapacity: 16)
    /// Lists a nested container was still filling; read into `values` at the first look-up, so an ordinary look-up
    /// is one dictionary read with no cast (Mustache looks up every tag).
    private var filling: [(key: String, list: ListBox)] = []

    func child(named name: String) -> Any? {
        if !filling.isEmpty {
            for (key, list) in filling { values[key] = list.items }
            filling = []
        }
        return values[name]
    }

    /// A list under `key` that a nested container fills after this call.
    func startList(_ key: String) -> ListBox {
        let list = ListBox()
        filling.append((key, list))
        return list
    }
}

/// A list still being filled by a nested container.
final class ListBox {
    var items: [Any] = []
}

final class TreeEncoder: Encoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private var node: RenderNode?
    private var list: ListBox?
    private var single: Any?

    var result: Any {
        if let node { return node }
        if let list { return list.items }
        return single ?? RenderNode()
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // The same node every time, so an envelope and its view write their keys side by side.
        let node = self.node ?? RenderNode()
        self.node = node
        return KeyedEncodingContainer(KeyedTree<Key>(node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let list = self.list ?? ListBox()
        self.list = list
        return UnkeyedTree(list: list)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleTree(encoder: self) }

    fileprivate func store(_ value: Any) { single = value }
}

struct KeyedTree<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: RenderNode
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.values[key.stringValue] = value }
    mutating func encode(_ value: String, forKey key: Key) throws { node.values[key.stringValue] = value }
    mutating func encode(_ value: Int, forKey key: Key) throws { node.values[key.stringValue] = value }
    mutating func encode(_ value: Double, forKey key: Key) throws { node.values[key.stringValue] = value }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let inline = value as? any InlineEncodable {
            try inline.encodeInline(into: node)
        } else {
            node.values[key.stringValue] = try ViewEncoder.box(value)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = RenderNode()
        node.values[key.stringValue] = child
        return KeyedEncodingContainer(KeyedTree<NestedKey>(node: child))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedTree(list: node.startList(key.stringValue))
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = RenderNode()
        node.values[key.stringValue] = child
        return NodeEncoder(node: child)
    }
}

/// An encoder that writes keys into an existing node: for `superEncoder`, and for an `@Inline` view, whose keys join
/// its parent's. An optional inline view that is nil writes nothing.
struct NodeEncoder: Encoder {
    let node: RenderNode
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedTree<Key>(node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        // A list has no keys to merge into a parent; nothing in a view inlines one.
        UnkeyedTree(list: ListBox())
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { InlineSingle(node: node) }
}

/// `Optional`'s encoding goes through a single-value container: the wrapped view is merged, nil adds nothing.
private struct InlineSingle: SingleValueEncodingContainer {
    let node: RenderNode
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws {}
    mutating func encode(_ value: String) throws {}
    mutating func encode(_ value: Int) throws {}
    mutating func encode(_ value: Double) throws {}
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: NodeEncoder(node: node)) }
}

struct UnkeyedTree: UnkeyedEncodingContainer {
    let list: ListBox
    var codingPath: [any CodingKey] { [] }
    var count: Int { list.items.count }

    mutating func encodeNil() throws {}
    mutating func encode(_ value: String) throws { list.items.append(value) }
    mutating func encode(_ value: Int) throws { list.items.append(value) }
    mutating func encode(_ value: Bool) throws { list.items.append(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { list.items.append(try ViewEncoder.box(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = RenderNode()
        list.items.append(child)
        return KeyedEncodingContainer(KeyedTree<NestedKey>(node: child))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        // Lists of lists are not something a template reads; keep the inner list as one element.
        let inner = ListBox()
        list.items.append(inner)
        return UnkeyedTree(list: inner)
    }

    mutating func superEncoder() -> any Encoder {
        let child = RenderNode()
        list.items.append(child)
        return NodeEncoder(node: child)
    }
}

struct SingleTree: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws { encoder.store(value) }
    mutating func encode(_ value: String) throws { encoder.store(value) }
    mutating func encode(_ value: Int) throws { encoder.store(value) }
    mutating func encode(_ value: Double) throws { encoder.store(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.store(try ViewEncoder.box(value)) }
}

import Foundation

/// The time zones a member may choose (`timezone Asia/Kolkata`): IANA names, as this machine's time zone database
/// spells them, and the older aliases it still knows (`Asia/Calcutta`, `US/Pacific`). Abbreviations (`EST`, `CET`)
/// and fixed offsets (`GMT+2`) are refused even where Foundation reads them: they do not follow daylight saving time,
/// and an abbreviation means different zones in different places.
public enum TimeZoneNames {
    /// Every name matched and offered, in the database's spelling. Foundation lists the names CLDR keeps, which
    /// still spell Kolkata the old way (`Asia/Calcutta`); the IANA name people know is added where the lookup
    /// takes it.
    static let known: [String] = Set(TimeZone.knownTimeZoneIdentifiers + ["UTC", "Asia/Kolkata"].filter {
        TimeZone(identifier: $0) != nil
    }).sorted()
    private static let byLowercase = Dictionary(known.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })

    /// The zone a stored name means, or nil when it is not one a member could have chosen. A state is checked with
    /// this when it is read, so a hand-edited `"Mars/Olympus"` is refused there, not met at a check-in.
    public static func zone(_ name: String) -> TimeZone? {
        if byLowercase[name.lowercased()] == name { return TimeZone(identifier: name) }
        // An alias: written as the database writes names, so nothing that reads as a path reaches the lookup.
        guard name.contains("/"), !name.hasPrefix("GMT"), name.count <= 60, !name.contains(".."),
            name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/_-+".unicodeScalars.contains($0)) })
        else { return nil }
        return TimeZone(identifier: name)
    }

    /// A name as a member typed it, case aside, in the database's spelling (`europe/berlin` is `Europe/Berlin`);
    /// nil when it names no zone.
    public static func canonical(_ typed: String) -> String? {
        if let name = byLowercase[typed.lowercased()] { return name }
        return zone(typed) == nil ? nil : typed
    }

    /// Up to three names close to one that names no zone: the whole name misspelt (`Europe/Berln`), or its city
    /// alone or misspelt (`Berlin`, `Kolkatta`, `new york`). Deterministic: the database's order, never a
    /// dictionary's.
    public static func suggestions(for typed: String) -> [String] {
        let typed = String(typed.prefix(60))
        var found: [String] = []
        if let near = Spelling.closest(to: typed, among: known) { found.append(near) }
        let city = Self.city(of: typed)
        var sameCity = known.filter { Self.city(of: $0) == city }
        if sameCity.isEmpty, let near = Spelling.closest(to: city, among: Set(known.map(Self.city)).sorted()) {
            sameCity = known.filter { Self.city(of: $0) == near }
        }
        for name in sameCity where !found.contains(name) { found.append(name) }
        return Array(found.prefix(3))
    }

    /// The last part of a name, lowercased, with spaces as the database writes them: `new_york`.
    static func city(of name: String) -> String {
        String(name.split(separator: "/").last ?? Substring(name)).lowercased().replacingOccurrences(of: " ", with: "_")
    }
}

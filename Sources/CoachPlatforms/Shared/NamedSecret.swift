extension PlatformSettings {
    /// A secret from the environment, with the name of the variable it came from: operator messages name the
    /// variable to fix ("export it as DISCORD_BOT_TOKEN"), never the value.
    func namedSecret(_ setting: String, defaultVariable: String, what: String) throws(PlatformSetupError)
        -> (value: String, variable: String)
    {
        (try secret(setting, defaultVariable: defaultVariable, what: what), optional(setting) ?? defaultVariable)
    }
}

import PerfwatchServer
import Testing

/// The `databases:` section (issue 21) through the one configuration reader.
@Suite("The databases section")
struct DatabaseConfigurationTests {
    @Test("a good section gives each database its URLs, analyze permission and interval")
    func goodSection() throws {
        var configuration = ServerConfiguration()
        #expect(configuration.databases.isEmpty)
        try configuration.apply(yaml: """
            databases:
              - {name: app, url: "postgres://monitor@127.0.0.1:5433/app", apply_url: "postgres://dba:s3cret@127.0.0.1:5433/app",
                 allow_analyze: true, interval: 30s}
              - name: reports
                url: "postgresql://monitor@db.internal/reports"
            """, source: "perfwatch.yml")
        #expect(configuration.databases == [
            DatabaseConfiguration(
                name: "app", url: "postgres://monitor@127.0.0.1:5433/app", applyURL: "postgres://dba:s3cret@127.0.0.1:5433/app",
                allowAnalyze: true, intervalMs: 30_000),
            DatabaseConfiguration(name: "reports", url: "postgresql://monitor@db.internal/reports"),
        ])
        #expect(configuration.databases[1].intervalMs == 300_000 && configuration.databases[1].allowAnalyze == false)
    }

    @Test("passwords are hidden in what is shown of a URL")
    func redaction() {
        #expect(DatabaseConfiguration.redacted("postgres://dba:s3cret@db:5432/app") == "postgres://dba:***@db:5432/app")
        #expect(DatabaseConfiguration.redacted("postgres://monitor@db/app") == "postgres://monitor@db/app")
    }

    @Test("bad entries are refused with file, line, field and the problem", arguments: [
        ("databases: {name: app}\n", #"perfwatch.yml:1: databases: must be a list of {name, url, apply_url, allow_analyze, interval}"#),
        ("databases:\n  - {url: \"postgres://m@h/app\"}\n", #"perfwatch.yml:2: databases[0].name: required field is missing"#),
        ("databases:\n  - {name: app}\n", #"perfwatch.yml:2: databases[0].url: required field is missing"#),
        ("databases:\n  - {name: app, url: \"mysql://m@h/app\"}\n",
         #"perfwatch.yml:2: databases[0].url: must be a postgres:// URL like postgres://user:password@host:5432/database, got "mysql://m@h/app""#),
        ("databases:\n  - {name: app, url: \"postgres://m:pw@h:99999/app\"}\n",
         #"perfwatch.yml:2: databases[0].url: is not a usable postgres:// URL (postgres://user:password@host:port/database): "postgres://m:***@h:99999/app""#),
        ("databases:\n  - {name: app, url: \"postgres://m@h/app\", apply_url: \"http://h/app\"}\n",
         #"perfwatch.yml:2: databases[0].apply_url: must be a postgres:// URL like postgres://user:password@host:5432/database, got "http://h/app""#),
        ("databases:\n  - {name: app, url: \"postgres://m@h/a\"}\n  - {name: app, url: \"postgres://m@h/b\"}\n",
         #"perfwatch.yml:3: databases[1].name: database "app" is listed twice; names must be unique"#),
        ("databases:\n  - {name: \"a b\", url: \"postgres://m@h/a\"}\n",
         #"perfwatch.yml:2: databases[0].name: must be 1-64 letters, digits, '_', '-' or '.', got "a b""#),
        ("databases:\n  - {name: app, url: \"postgres://m@h/a\", interval: 10ms}\n",
         #"perfwatch.yml:2: databases[0].interval: must be at least 1s, got "10ms""#),
        ("databases:\n  - {name: app, url: \"postgres://m@h/a\", allow_analyze: maybe}\n",
         #"perfwatch.yml:2: databases[0].allow_analyze: expected true or false, got "maybe""#),
        ("databases:\n  - {name: app, url: \"postgres://m@h/a\", pool: 3}\n",
         #"perfwatch.yml:2: databases[0].pool: unknown key "pool"; valid keys: name, url, apply_url, allow_analyze, interval"#),
    ])
    func errors(yaml: String, message: String) {
        #expect(configurationError(yaml) == message)
    }
}

/// The message `yaml` is refused with (as `perfwatch.yml`), or what went wrong instead.
func configurationError(_ yaml: String) -> String {
    var configuration = ServerConfiguration()
    do {
        try configuration.apply(yaml: yaml, source: "perfwatch.yml")
        return "accepted: \(yaml)"
    } catch let error as ConfigurationError {
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A headless Chromium started with `--remote-debugging-pipe`: the browser reads DevTools commands on its
/// fd 3 and writes answers and events on its fd 4. Foundation's `Process` cannot place pipes at fds 3 and 4,
/// so the child is started with `posix_spawn` and dup2 file actions.
final class ChromiumProcess: @unchecked Sendable {
    let pid: pid_t
    /// We write commands here (the child's fd 3).
    let commandFD: Int32
    /// We read answers and events here (the child's fd 4).
    let eventFD: Int32
    private let profileDirectory: URL
    private let lock = NSLock()
    private var reaped = false

    static let defaultExecutable = "/usr/bin/chromium"

    /// Flags of a quiet, reproducible headless browser; root in containers needs `--no-sandbox`.
    static func arguments(profile: String) -> [String] {
        [
            "--headless=new", "--no-sandbox", "--remote-debugging-pipe", "--user-data-dir=\(profile)",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
            "--disable-dev-shm-usage", "--disable-gpu", "--disable-features=Translate,OptimizationHints,MediaRouter",
            "--metrics-recording-only", "--password-store=basic", "--use-mock-keychain", "about:blank",
        ]
    }

    init(executable: String = ChromiumProcess.defaultExecutable) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw LabError.browser("no Chromium at \(executable) (install Debian's chromium, or set PERFWATCH_CHROMIUM)")
        }
        profileDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("perfwatch-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profileDirectory, withIntermediateDirectories: true)

        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        // Glibc's pipe2 is not visible to Swift; close-on-exec is set right after (pipe, then fcntl).
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            throw LabError.browser("cannot create pipes: \(String(cString: strerror(errno)))")
        }
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the new descriptor, so only fds 3 and 4 reach the browser.
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 4)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv = [executable] + Self.arguments(profile: profileDirectory.path)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, &cArgs, environ)
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw LabError.browser("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        commandFD = toChild[1]
        eventFD = fromChild[0]
    }

    /// True once the browser process is gone (reaped here). The closed pipe usually says it first; this also
    /// catches a browser whose pipe a leftover child still holds open.
    var hasExited: Bool {
        lock.withLock {
            if reaped { return true }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            return reaped
        }
    }

    /// Kills the browser (its whole process group is its own children; SIGKILL on the main process makes
    /// the zygote and renderers exit with it) and removes the profile.
    func terminate() {
        lock.withLock {
            guard !reaped else { return }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            reaped = true
        }
        close(commandFD)
        close(eventFD)
        try? FileManager.default.removeItem(at: profileDirectory)
    }
}

//! The environment scripts assume, and the backtick commands that change it.
//!
//! Upstream packetdrill scripts start with `` `../common/defaults.sh` `` and change sysctls
//! with `` `../common/set_sysctls.py key=value …` `` (restored by a generated
//! `/tmp/sysctl_restore_${PPID}.sh`). synack provides those itself: [`interpret`] turns a
//! command into [`Action`]s that every backend carries out its own way (the reference stack
//! maps sysctls onto its knobs; the Linux backend writes them inside its namespace). Anything
//! else is [`Action::Shell`], which only backends with a shell can run.

/// What upstream's `defaults.sh` sets (see `../shared/packetdrill-upstream/README.md`);
/// every run starts from these values on every backend.
pub const DEFAULT_SYSCTLS: &[(&str, &str)] = &[
    ("net.ipv4.tcp_rmem", "4096 540000 15728640"),
    ("net.ipv4.tcp_wmem", "4096 262144 4194304"),
    ("net.ipv4.tcp_timestamps", "1"),
    ("net.ipv4.tcp_syn_retries", "5"),
    ("net.ipv4.tcp_synack_retries", "5"),
    ("net.ipv4.tcp_frto", "2"),
    ("net.ipv4.tcp_sack", "1"),
    ("net.ipv4.tcp_dsack", "1"),
    ("net.ipv4.tcp_fack", "0"),
    ("net.ipv4.tcp_reordering", "3"),
    ("net.ipv4.tcp_congestion_control", "cubic"),
    ("net.ipv4.tcp_slow_start_after_idle", "0"),
    ("net.ipv4.tcp_early_retrans", "4"),
    ("net.ipv4.tcp_recovery", "1"),
    ("net.ipv4.tcp_tso_win_divisor", "3"),
    ("net.ipv4.tcp_ecn", "0"),
    ("net.ipv4.tcp_ecn_option", "2"),
    ("net.ipv4.tcp_pacing_ss_ratio", "200"),
    ("net.ipv4.tcp_pacing_ca_ratio", "120"),
    ("net.ipv4.tcp_notsent_lowat", "4294967295"),
    ("net.ipv4.tcp_fastopen", "0x70403"),
    ("net.ipv4.tcp_fastopen_key", "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4"),
    ("net.ipv4.tcp_syncookies", "1"),
];

/// One thing a backtick command asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Upstream's `defaults.sh`: the [`DEFAULT_SYSCTLS`] (plus flushing cached TCP metrics
    /// and a pfifo qdisc, which only matter on a kernel).
    Defaults,
    /// Set one sysctl (`sysctl -q key=value`, `echo value > /proc/sys/…`).
    Sysctl {
        /// Dotted name, e.g. `net.ipv4.tcp_sack`.
        key: String,
        /// The value as text.
        value: String,
    },
    /// Upstream's `set_sysctls.py k=v …`: remember the current values, then set these.
    SaveAndSet(Vec<(String, String)>),
    /// Upstream's `/tmp/sysctl_restore_${PPID}.sh`: put back what the last
    /// [`Action::SaveAndSet`] changed.
    Restore,
    /// Anything else: a shell command.
    Shell(String),
}

/// Reads a backtick command as a sequence of actions: one per line (backslash-newline joins
/// lines). A line of `;`/`&&`-separated commands is split only if every part is understood;
/// otherwise the whole line goes to the shell, so `a ; b` keeps the shell's meaning (run `b`
/// even if `a` fails).
pub fn interpret(text: &str) -> Vec<Action> {
    let joined = text.replace("\\\n", " ");
    let mut actions = Vec::new();
    for line in joined.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parts: Vec<Action> = line
            .split(';')
            .flat_map(|part| part.split("&&"))
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(interpret_one)
            .collect();
        if parts.len() > 1 && parts.iter().any(|a| matches!(a, Action::Shell(_))) {
            actions.push(Action::Shell(line.to_string()));
        } else {
            actions.extend(parts);
        }
    }
    actions
}

fn interpret_one(command: &str) -> Action {
    let shell = || Action::Shell(command.to_string());
    if command.starts_with("/tmp/sysctl_restore_") && !command.contains(char::is_whitespace) {
        return Action::Restore;
    }
    let Some(words) = shell_words(command) else {
        return shell();
    };
    let Some(program) = words.first() else {
        return shell();
    };
    let args = &words[1..];
    if program.ends_with("/defaults.sh") || program == "defaults.sh" {
        return if args.is_empty() { Action::Defaults } else { shell() };
    }
    if program.ends_with("set_sysctls.py") {
        return match args.iter().map(|a| split_assignment(a)).collect::<Option<Vec<_>>>() {
            Some(pairs) if !pairs.is_empty() => Action::SaveAndSet(pairs),
            Some(_) | None => shell(),
        };
    }
    if program == "sysctl" {
        let rest: Vec<&String> = args
            .iter()
            .filter(|a| !matches!(a.as_str(), "-q" | "-w" | "-e" | "-qw" | "-wq"))
            .collect();
        if let [one] = rest[..] {
            if let Some((key, value)) = split_assignment(one) {
                return Action::Sysctl { key, value };
            }
        }
        return shell();
    }
    if program == "echo" {
        // echo VALUE > /proc/sys/net/ipv4/tcp_x
        if let [value @ .., redirect, path] = args {
            if redirect == ">" && path.starts_with("/proc/sys/") && !value.is_empty() {
                let key = path.trim_start_matches("/proc/sys/").replace('/', ".");
                return Action::Sysctl { key, value: value.join(" ") };
            }
        }
    }
    shell()
}

fn split_assignment(arg: &str) -> Option<(String, String)> {
    let (key, value) = arg.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    let key = key.trim_start_matches("/proc/sys/").replace('/', ".");
    Some((key, value.trim().to_string()))
}

/// Splits a command into words the way `sh` would for the simple commands above: blanks
/// separate words, single and double quotes group, a backslash escapes. `None` for anything
/// fancier (variables, globs, pipes, unbalanced quotes), which is left to a real shell.
fn shell_words(command: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        '$' | '`' => return None,
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            '$' | '`' | '|' | '<' | '*' | '?' | '(' | ')' | '&' => return None,
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    // `>` is only allowed as a word of its own (a redirect the echo rule understands).
    if words.iter().any(|w| w.contains('>') && w != ">") {
        return None;
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sysctl(k: &str, v: &str) -> Action {
        Action::Sysctl { key: k.into(), value: v.into() }
    }

    #[test]
    fn upstream_helper_lines() {
        assert_eq!(interpret("../common/defaults.sh"), vec![Action::Defaults]);
        assert_eq!(
            interpret("../common/set_sysctls.py /proc/sys/net/ipv4/tcp_sack=0 net.ipv4.tcp_dsack=1"),
            vec![Action::SaveAndSet(vec![
                ("net.ipv4.tcp_sack".into(), "0".into()),
                ("net.ipv4.tcp_dsack".into(), "1".into())
            ])]
        );
        assert_eq!(interpret("/tmp/sysctl_restore_${PPID}.sh"), vec![Action::Restore]);
        assert_eq!(
            interpret(" ../../common/set_sysctls.py \\\n /proc/sys/net/ipv4/tcp_timestamps=0 \\\n  x.y=\"1 2\""),
            vec![Action::SaveAndSet(vec![
                ("net.ipv4.tcp_timestamps".into(), "0".into()),
                ("x.y".into(), "1 2".into())
            ])]
        );
    }

    #[test]
    fn sysctl_forms() {
        assert_eq!(interpret("sysctl -q net.ipv4.tcp_sack=0"), vec![sysctl("net.ipv4.tcp_sack", "0")]);
        assert_eq!(
            interpret("sysctl -q -w net.ipv4.tcp_rmem=\"4096 131072 6291456\""),
            vec![sysctl("net.ipv4.tcp_rmem", "4096 131072 6291456")]
        );
        assert_eq!(
            interpret("echo 0 > /proc/sys/net/ipv4/tcp_timestamps; sysctl -q net.ipv4.tcp_sack=1"),
            vec![sysctl("net.ipv4.tcp_timestamps", "0"), sysctl("net.ipv4.tcp_sack", "1")]
        );
        assert_eq!(interpret("ip link set tun0 mtu 1280"), vec![Action::Shell("ip link set tun0 mtu 1280".into())]);
        assert_eq!(interpret("sysctl -q a=1 b=2"), vec![Action::Shell("sysctl -q a=1 b=2".into())]);
        assert_eq!(interpret("cat x | sysctl -p"), vec![Action::Shell("cat x | sysctl -p".into())]);
        // A line mixing shell commands keeps the shell's sequencing.
        assert_eq!(
            interpret("tc qdisc delete dev tun0 root 2>/dev/null ; tc qdisc add dev tun0 root pfifo limit 1"),
            vec![Action::Shell("tc qdisc delete dev tun0 root 2>/dev/null ; tc qdisc add dev tun0 root pfifo limit 1".into())]
        );
    }
}

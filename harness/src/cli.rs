//! The command line: `synack run`, `synack parse`.

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;
use synack::mode::{AddressPlan, IpMode};
use synack::runner::Unexpected;
use synack::report::{self, RunReport, Summary, Verdict};
use synack::script;
use synack::suite::{self, StackKind, SuiteConfig};
use synack_stack::Profile;

#[derive(Parser)]
#[command(name = "synack", version, about = "TCP conformance and fuzz-testing harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scripts (files, or folders searched recursively for *.pkt) against a stack.
    Run(RunArgs),
    /// Check scripts' syntax only.
    Parse {
        /// Scripts or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Judge a capture (pcap or pcapng) with the RFC 9293 oracle. Exit status: 0 no
    /// violation, 1 violations, 2 the file cannot be read.
    Check {
        /// The capture.
        file: PathBuf,
        /// Judge only this endpoint, ADDR or ADDR:PORT (repeatable; default: every endpoint).
        #[arg(long = "endpoint", value_name = "ADDR[:PORT]")]
        endpoints: Vec<synack::oracle::capture::Endpoint>,
        /// Write the findings as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// What the stack is held to: `linux` (Linux's deliberate choices permitted) or `rfc9293`.
        #[arg(long, default_value = "linux")]
        profile: String,
        /// Also permit this deviation (repeatable), e.g. `short-time-wait`.
        #[arg(long = "permit", value_name = "DEVIATION")]
        permit: Vec<String>,
        /// The stack implements RFC 1337 (TIME-WAIT ignores RST).
        #[arg(long)]
        rfc1337: bool,
        /// The stack does not implement RFC 5961 (RFC 793's resets instead of challenge ACKs).
        #[arg(long)]
        no_rfc5961: bool,
    },
    /// Which §3.10 steps and RFC 9293 requirements scripts exercise (on the reference stack,
    /// as the oracle sees them), beside the requirements their headers declare.
    Coverage {
        /// Scripts or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The reference stack's behaviour profile.
        #[arg(long, value_enum, default_value = "linux")]
        profile: ProfileArg,
        /// Write the table as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The stack under test.
    #[arg(long, value_enum, default_value = "reference")]
    stack: StackArg,
    /// The reference stack's behaviour profile.
    #[arg(long, value_enum, default_value = "linux")]
    profile: ProfileArg,
    /// IP mode(s) to run each script in.
    #[arg(long, value_enum, default_value = "all")]
    mode: ModeArg,
    /// Parallel runs (default: one per core; on Linux more are faster but less accurate,
    /// since runs disturb each other's kernel timers).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Write the JSON summary here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Directory for each run's pcap, normalized trace and log.
    #[arg(long, default_value = "synack-out")]
    out: PathBuf,
    /// Benchmark: run the suite repeatedly for about this many seconds and report runs per
    /// second (no artifacts are written).
    #[arg(long, value_name = "SECONDS")]
    bench: Option<f64>,
    /// Seed of the reference stack's randomness (ISNs).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Packets the stack sends that no line expects: `fail` (default), or `ignore` them
    /// unless a later outbound line reads them, as packetdrill does (for upstream scripts
    /// that do not list every packet).
    #[arg(long, value_enum, default_value = "fail")]
    unexpected: UnexpectedArg,
    /// Addresses when a script sets none: documentation ranges, or upstream packetdrill's
    /// (for upstream scripts whose commands or TFO cookies assume them).
    #[arg(long, value_enum, default_value = "documentation")]
    addresses: AddressArg,
    /// Exit 1 when the RFC 9293 oracle finds a violation, even if every script passed.
    #[arg(long)]
    fail_on_oracle: bool,
    /// On Linux, do not run again alone a run that failed while other runs shared the
    /// machine (by default it is, and the report keeps both attempts).
    #[arg(long)]
    no_rerun: bool,
    /// Scripts or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum StackArg {
    Reference,
    Linux,
}

#[derive(Clone, Copy, ValueEnum)]
enum UnexpectedArg {
    Fail,
    Ignore,
}

#[derive(Clone, Copy, ValueEnum)]
enum AddressArg {
    Documentation,
    Upstream,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProfileArg {
    Linux,
    Rfc9293,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Ipv4,
    Ipv6,
    #[value(name = "ipv4-mapped-ipv6")]
    Ipv4MappedIpv6,
    All,
}

/// Runs the command line; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Parse { paths } => parse(&paths),
        Command::Run(args) => run(args),
        Command::Check { file, endpoints, json, profile, permit, rfc1337, no_rfc5961 } => {
            let Some(mut p) = synack::oracle::OracleProfile::by_name(&profile) else {
                eprintln!("synack: no oracle profile {profile} (linux, rfc9293)");
                return 2;
            };
            for name in &permit {
                match synack::oracle::Deviation::from_name(name) {
                    Some(d) => p.permitted.push(d),
                    None => {
                        let known: Vec<&str> = synack::oracle::Deviation::ALL.iter().map(|d| d.name()).collect();
                        eprintln!("synack: no deviation {name} ({})", known.join(", "));
                        return 2;
                    }
                }
            }
            p.rfc1337 |= rfc1337;
            p.rfc5961 &= !no_rfc5961;
            check(&file, &endpoints, json.as_deref(), p)
        }
        Command::Coverage { paths, profile, json } => coverage(&paths, profile, json.as_deref()),
    }
}

/// `synack coverage`: the table, and JSON if asked.
fn coverage(paths: &[PathBuf], profile: ProfileArg, json: Option<&std::path::Path>) -> i32 {
    let profile = match profile {
        ProfileArg::Linux => Profile::Linux,
        ProfileArg::Rfc9293 => Profile::Rfc9293,
    };
    let table = match synack::oracle::coverage::run_suite(paths, profile) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("synack: {e}");
            return 2;
        }
    };
    print!("{}", table.render());
    if let Some(path) = json {
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&table.json()).unwrap_or_default()) {
            eprintln!("synack: cannot write {}: {e}", path.display());
            return 2;
        }
    }
    0
}

/// `synack check`: the oracle over a capture.
fn check(file: &std::path::Path, endpoints: &[synack::oracle::capture::Endpoint], json: Option<&std::path::Path>, p: synack::oracle::OracleProfile) -> i32 {
    let profile = p.name.clone();
    let report = match synack::oracle::capture::check_file(file, endpoints, p) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("synack: {e}");
            return 2;
        }
    };
    for f in &report.findings {
        println!("{f}");
    }
    if let Some(why) = &report.truncated {
        println!("capture ends early: {why}");
    }
    let s = report.stats;
    println!(
        "{} packets, {} TCP segments judged, {} connections ({} joined mid-stream, {} not judged), {} violations",
        report.packets,
        s.segments,
        s.connections,
        s.joined + s.not_judged,
        s.not_judged,
        report.violations()
    );
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report.json(&file.display().to_string(), &profile)).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("synack: cannot write {}: {e}", path.display());
            return 2;
        }
    }
    i32::from(report.violations() > 0)
}

fn parse(paths: &[PathBuf]) -> i32 {
    let scripts = match suite::discover(paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("synack: {e}");
            return 2;
        }
    };
    let mut bad = 0;
    for path in &scripts {
        let shown = path.display().to_string();
        match std::fs::read(path) {
            Err(e) => {
                eprintln!("{shown}: cannot read: {e}");
                bad += 1;
            }
            Ok(source) => {
                if let Err(d) = script::parse(&shown, &source) {
                    eprintln!("{}", d.render(&source));
                    bad += 1;
                }
            }
        }
    }
    println!("{} scripts, {} with errors", scripts.len(), bad);
    if bad > 0 {
        2
    } else {
        0
    }
}

fn run(args: RunArgs) -> i32 {
    let scripts = match suite::discover(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("synack: {e}");
            return 2;
        }
    };
    let modes = match args.mode {
        ModeArg::Ipv4 => vec![IpMode::Ipv4],
        ModeArg::Ipv6 => vec![IpMode::Ipv6],
        ModeArg::Ipv4MappedIpv6 => vec![IpMode::Ipv4MappedIpv6],
        ModeArg::All => IpMode::ALL.to_vec(),
    };
    if let StackArg::Linux = args.stack {
        if let Err(missing) = synack::backend::linux::netns::available() {
            eprintln!("synack: {missing}");
            return 2;
        }
    }
    let jobs = suite::plan(&scripts, &modes);
    let stack = match args.stack {
        StackArg::Reference => StackKind::Reference,
        StackArg::Linux => StackKind::Linux,
    };
    let config = SuiteConfig {
        stack,
        profile: match args.profile {
            ProfileArg::Linux => Profile::Linux,
            ProfileArg::Rfc9293 => Profile::Rfc9293,
        },
        modes,
        jobs: args.jobs.unwrap_or_else(|| suite::default_jobs(stack)),
        out: if args.bench.is_some() { None } else { Some(args.out.clone()) },
        seed: args.seed,
        unexpected: match args.unexpected {
            UnexpectedArg::Fail => Unexpected::Fail,
            UnexpectedArg::Ignore => Unexpected::Ignore,
        },
        addresses: match args.addresses {
            AddressArg::Documentation => AddressPlan::Documentation,
            AddressArg::Upstream => AddressPlan::Upstream,
        },
        rerun_alone: stack == StackKind::Linux && !args.no_rerun,
    };
    if let Some(seconds) = args.bench {
        return bench(&jobs, &config, seconds);
    }
    let bar = if std::io::stderr().is_terminal() && jobs.len() > 1 {
        let bar = ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let summary = suite::run_all(&jobs, &config, &|r| {
        if let Some(bar) = &bar {
            bar.inc(1);
            if r.verdict == Verdict::Fail || r.verdict == Verdict::Error {
                bar.println(format!("{} {} {}", r.verdict.name().to_uppercase(), r.mode, r.script));
            }
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    print_summary(&summary);
    if let Err(code) = write_reports(&summary, &args) {
        return code;
    }
    // A script that does not parse is bad input (its diagnostic is in the summary above).
    if scripts.iter().any(|p| std::fs::read(p).map_or(true, |src| script::parse("", &src).is_err())) {
        return 2;
    }
    exit_status(&summary, args.fail_on_oracle)
}

fn write_reports(summary: &Summary, args: &RunArgs) -> Result<(), i32> {
    if let Some(path) = &args.json {
        std::fs::write(path, report::json::summary_json(summary)).map_err(|e| {
            eprintln!("synack: cannot write {}: {e}", path.display());
            1
        })?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report::junit::junit_xml(summary)).map_err(|e| {
            eprintln!("synack: cannot write {}: {e}", path.display());
            1
        })?;
    }
    Ok(())
}

/// 1 if any run failed or errored (or, with `--fail-on-oracle`, the oracle found a
/// violation), else 0.
fn exit_status(summary: &Summary, fail_on_oracle: bool) -> i32 {
    let t = summary.totals();
    if t.fail + t.error > 0 || (fail_on_oracle && summary.oracle_violations() > 0) {
        1
    } else {
        0
    }
}

fn print_summary(summary: &Summary) {
    for r in &summary.runs {
        match r.verdict {
            Verdict::Pass => {}
            Verdict::Fail | Verdict::Error | Verdict::Unsupported | Verdict::Deviation => {
                println!("{:<11} {:<16} {}", r.verdict.name().to_uppercase(), r.mode, r.script);
                for line in r.message.lines() {
                    println!("    {line}");
                }
            }
        }
        // A first attempt is shown when it differs from what the run alone said.
        if let Some(first) = r.first_attempt.as_ref().filter(|f| r.verdict == Verdict::Pass || **f != r.message) {
            println!("{:<11} {:<16} {} ({} alone)", "RERUN", r.mode, r.script, r.verdict.name());
            for line in first.lines() {
                println!("    first attempt: {line}");
            }
        }
    }
    let t = summary.totals();
    println!();
    println!("stack        {}", summary.stack);
    println!("runs         {}", summary.runs.len());
    println!("pass         {}", t.pass);
    println!("fail         {}", t.fail);
    println!("error        {}", t.error);
    println!("unsupported  {}", t.unsupported);
    println!("deviation    {}", t.deviation);
    let reruns: Vec<&RunReport> = summary.runs.iter().filter(|r| r.first_attempt.is_some()).collect();
    if !reruns.is_empty() {
        let passed = reruns.iter().filter(|r| r.verdict == Verdict::Pass).count();
        println!("rerun alone  {} ({passed} passed)", reruns.len());
    }
    println!("wall         {:.2} s", summary.wall_seconds);
    let worst = summary
        .runs
        .iter()
        .filter_map(|r| r.timing_error.map(|t| (t, r)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((t, r)) = worst {
        println!("timing       worst error {:.3} ms ({} {})", t * 1e3, r.script, r.mode);
    }
    // The RFC 9293 oracle's verdicts, apart from the scripts'.
    for r in &summary.runs {
        for f in r.oracle.iter().filter(|f| f.severity == synack::oracle::Severity::Violation) {
            println!("ORACLE      {:<16} {} {f}", r.mode, r.script);
        }
    }
    println!("oracle       {} violations", summary.oracle_violations());
}

/// Runs the suite over and over on one thread per job slot and reports runs per second,
/// next to a parse-only baseline measured in the same process.
fn bench(jobs: &[suite::Job], config: &SuiteConfig, seconds: f64) -> i32 {
    if jobs.is_empty() {
        eprintln!("synack: nothing to run");
        return 2;
    }
    let sources: Vec<(String, Vec<u8>)> =
        jobs.iter().filter_map(|j| std::fs::read(&j.path).ok().map(|s| (j.path.display().to_string(), s))).collect();
    let parse_rate = measure(seconds / 4.0, || {
        for (name, src) in &sources {
            let _ = script::parse(name, src);
        }
        sources.len()
    });
    let config = SuiteConfig { jobs: 1, out: None, ..config.clone() };
    let run_rate = measure(seconds, || {
        for job in jobs {
            let _ = suite::run_job(job, &config);
        }
        jobs.len()
    });
    println!("runs/s (one core, parse + run + checks): {run_rate:.0}");
    println!("parse-only baseline:                     {parse_rate:.0} scripts/s");
    println!("run cost relative to parsing:            {:.1}x", parse_rate / run_rate.max(1e-9));
    0
}

fn measure(seconds: f64, mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    let mut n = 0;
    loop {
        n += f();
        let t = start.elapsed().as_secs_f64();
        if t >= seconds {
            return n as f64 / t;
        }
    }
}

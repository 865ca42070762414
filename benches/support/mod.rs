//! What the benchmarks share: child processes measured through the kernel
//! (wall time, CPU time, peak memory), the machine's state, scratch
//! folders, and the tables they write into BENCHMARKS.md.

#![allow(dead_code)] // each bench uses part of it

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The `veille` binary cargo built for this bench.
pub const VEILLE: &str = env!("CARGO_BIN_EXE_veille");

/// Set in the environment of a bench's child that is to be the corpus
/// generator.
const CORPUS_CHILD: &str = "VEILLE_BENCH_CORPUS_CHILD";

/// A `veille-corpus` command line (add its arguments), run as a child
/// process. Cargo tells a bench the path of its own package's binaries only
/// (the generator is the `veille-corpus` crate, and artifact dependencies
/// are unstable), so the child is this bench's own executable, which
/// [`run_corpus_child`] turns into the generator: the same code as the
/// `veille-corpus` binary, in a process of its own, so that its CPU time and
/// memory stay out of what the bench measures in this one.
pub fn corpus() -> Command {
    assert!(
        std::env::var_os(CORPUS_CHILD).is_none(),
        "this bench's main must call support::run_corpus_child() first"
    );
    let mut command = Command::new(std::env::current_exe().expect("the bench's own path"));
    command.env(CORPUS_CHILD, "1");
    command
}

/// The first call of a bench's `main` that uses [`corpus`]: in the child
/// [`corpus`] started, runs the generator's command line and exits.
pub fn run_corpus_child() {
    if std::env::var_os(CORPUS_CHILD).is_none() {
        return;
    }
    let args = std::iter::once("veille-corpus".into()).chain(std::env::args_os().skip(1));
    let code = match veille_corpus::cli::main(args) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("Error: {error:?}");
            1
        }
    };
    std::process::exit(code);
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped gazetteer: `entities.toml`, then the generated layer's
/// files under `gazetteer/` when the project has them.
pub fn gazetteer_files() -> Vec<PathBuf> {
    let mut paths = vec![root().join("entities.toml")];
    // Read as a folder: its files are the generated layer, which yields to
    // the hand-curated entries.
    let layer = root().join("gazetteer");
    if layer.is_dir() {
        paths.push(layer);
    }
    paths
}

/// A number from the environment, else `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|value| {
            value
                .replace(['_', ','], "")
                .parse()
                .unwrap_or_else(|_| panic!("{name}: not a number"))
        })
        .unwrap_or(default)
}

/// `/tmp/veille-bench-NAME` (under `VEILLE_BENCH_DIR` if set), emptied.
pub fn scratch(name: &str) -> PathBuf {
    let path = scratch_path(name);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("scratch folder");
    path
}

/// `/tmp/veille-bench-NAME`, as it is.
pub fn scratch_path(name: &str) -> PathBuf {
    let base = std::env::var("VEILLE_BENCH_DIR").unwrap_or_else(|_| "/tmp".into());
    Path::new(&base).join(format!("veille-bench-{name}"))
}

/// The 1-minute load average.
pub fn load() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// With `VEILLE_BENCH_WAIT_QUIET=1`, waits (up to 10 minutes) for the
/// 1-minute load to drop below 0.7, since another build on a 2-core
/// machine halves what a benchmark sees. Returns the load it starts at.
pub fn wait_quiet() -> f64 {
    if std::env::var_os("VEILLE_BENCH_WAIT_QUIET").is_some() {
        let started = Instant::now();
        while load() >= 0.7 && started.elapsed() < Duration::from_secs(600) {
            std::thread::sleep(Duration::from_secs(10));
        }
    }
    load()
}

/// Cores, date and load, for the heading of a table.
pub fn machine(load_at_start: f64) -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!(
        "{} cores, {}, 1-minute load {:.2} at start ({})",
        cores,
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        load_at_start,
        if load_at_start < 0.7 {
            "quiet"
        } else {
            "busy: other work was running"
        }
    )
}

/// CPU time (user + system) of this process.
pub fn own_cpu() -> Duration {
    rusage(libc::RUSAGE_SELF).0
}

/// (CPU time, peak RSS in bytes) from getrusage.
fn rusage(who: libc::c_int) -> (Duration, u64) {
    // SAFETY: getrusage writes the struct it is given and nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    (cpu_of(&usage), usage.ru_maxrss as u64 * 1024)
}

fn cpu_of(usage: &libc::rusage) -> Duration {
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// How a child process ran.
#[derive(Debug, Clone)]
pub struct Run {
    pub wall: Duration,
    pub cpu: Duration,
    pub peak_rss: u64,
    pub stdout: String,
    pub success: bool,
}

/// Runs `command` to the end, measuring it with wait4.
// The child is reaped by wait4, which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub fn measure(mut command: Command) -> Run {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let (status, usage) = wait4(&child);
    let wall = started.elapsed();
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !success {
        eprintln!("{command:?} failed ({status}):\n{stdout}\n{stderr}");
    }
    Run {
        wall,
        cpu: cpu_of(&usage),
        peak_rss: usage.ru_maxrss as u64 * 1024,
        stdout,
        success,
    }
}

fn drain(mut from: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = from.read_to_string(&mut text);
        text
    })
}

/// Waits for `child` and returns its status and resource usage; `child`
/// must not be waited for again.
fn wait4(child: &Child) -> (libc::c_int, libc::rusage) {
    // SAFETY: wait4 on our own child's pid, writing into locals.
    unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = child.id() as libc::pid_t;
        while libc::wait4(pid, &mut status, 0, &mut usage) < 0 {
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                panic!("wait4: {}", std::io::Error::last_os_error());
            }
        }
        (status, usage)
    }
}

/// A `veille run` daemon, its log drained on a thread.
pub struct Daemon {
    pub child: Child,
    pub started: Instant,
    /// How long it took to listen (its `api=` log line).
    pub ready_after: Duration,
    pub api: String,
    pub log: Arc<Mutex<String>>,
}

impl Daemon {
    pub fn start(config: &Path) -> Daemon {
        let started = Instant::now();
        let mut child = Command::new(VEILLE)
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn veille run");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let kept = log.clone();
        let (sender, address) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("api=") {
                    let address: String = line[at + 4..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = sender.send((address, Instant::now()));
                }
                let mut log = kept.lock().unwrap();
                // The tail is enough to explain a failure.
                if log.len() > 1 << 20 {
                    log.clear();
                }
                log.push_str(&line);
                log.push('\n');
            }
        });
        let (api, at) = address
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("the daemon did not listen:\n{}", log.lock().unwrap());
            });
        Daemon {
            child,
            started,
            ready_after: at - started,
            api: format!("http://{api}"),
            log,
        }
    }

    /// A field of /proc/PID/status, in bytes (`VmRSS`, `VmHWM`).
    pub fn memory(&self, field: &str) -> u64 {
        proc_status(self.child.id(), field)
    }

    /// Stops it with SIGTERM and waits.
    pub fn stop(mut self) {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of /proc/PID/status, in bytes.
pub fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// The revision the index under `storage` has committed, 0 if none yet.
pub fn indexed_revision(storage: &Path) -> i64 {
    veille::archive::Archive::open(storage)
        .ok()
        .and_then(|archive| archive.indexed_revision().ok())
        .unwrap_or(0)
}

/// Bytes in every file under `path`, folders included.
pub fn folder_bytes(path: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
        let meta = entry.metadata().expect("metadata");
        total += if meta.is_dir() {
            folder_bytes(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

pub fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

pub fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// Replaces the section `name` of BENCHMARKS.md (between its markers) with
/// `body`, adding the section at the end the first time. Set
/// `VEILLE_BENCH_NO_RECORD=1` to leave the file alone.
pub fn record(name: &str, body: &str) {
    if std::env::var_os("VEILLE_BENCH_NO_RECORD").is_some() {
        return;
    }
    let path = root().join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let start = format!("<!-- bench:{name} -->");
    let end = format!("<!-- /bench:{name} -->");
    let block = format!("{start}\n{}\n{end}", body.trim_end());
    let updated = match (text.find(&start), text.find(&end)) {
        (Some(from), Some(to)) if from < to => {
            format!("{}{block}{}", &text[..from], &text[to + end.len()..])
        }
        _ => format!("{}\n{block}\n", text.trim_end()),
    };
    std::fs::write(&path, updated).expect("write BENCHMARKS.md");
    println!("(recorded in BENCHMARKS.md, section {name})");
}

/// The archive of `size` generated documents (record and index) under
/// `/tmp/veille-bench-archive-SIZE/`, built the first time and reused after,
/// since a million documents take most of an hour to generate, tag and
/// index. Its `feeds.toml` has one empty feed, for starting a daemon on it.
pub fn archive(size: u64) -> PathBuf {
    let dir = scratch_path(&format!("archive-{size}"));
    if dir.join("complete").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("archive folder");
    let gazetteer = root().join("entities.toml");
    let started = Instant::now();
    let mut write = corpus();
    write
        .args(["--seed", "1", "--gazetteer"])
        .arg(&gazetteer)
        .args([
            "write",
            "--format",
            "record",
            "-n",
            &size.to_string(),
            "--out",
        ])
        .arg(dir.join("store"));
    let written = measure(write);
    assert!(written.success, "generating the archive failed");
    println!(
        "archive of {size}: generated, tagged and stored in {}",
        secs(written.wall)
    );
    std::fs::write(
        dir.join("empty.xml"),
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>empty</title></channel></rss>",
    )
    .expect("empty feed");
    let config = veille_corpus::write::config_header(Some(&gazetteer))
        + "\n[[feed]]\nid = \"empty\"\nurl = \"file:empty.xml\"\n";
    std::fs::write(dir.join("feeds.toml"), config).expect("archive config");
    let started_index = Instant::now();
    let mut reindex = Command::new(VEILLE);
    reindex
        .args(["reindex", "--config"])
        .arg(dir.join("feeds.toml"));
    let indexed = measure(reindex);
    assert!(indexed.success, "indexing the archive failed");
    println!(
        "archive of {size}: indexed in {} (built in {} in all)",
        secs(started_index.elapsed()),
        secs(started.elapsed())
    );
    std::fs::write(dir.join("complete"), "").expect("marker");
    dir
}

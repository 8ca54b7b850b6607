//! `make bench`: peak resident memory of `elbship inspect` on a 1 GB (uncompressed) ALB object.
//!
//! Nothing may hold the whole object: the plan streams it once, each span streams its own range, and a batch
//! holds at most 1 MiB of text. Generates the object (gzip -6), runs the release
//! binary on it, and reads the child's peak RSS from `getrusage(RUSAGE_CHILDREN)`.

use flate2::write::GzEncoder;
use std::io::BufWriter;
use std::process::{Command, Stdio};
use std::time::Instant;

const NAME: &str =
    "123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_20251124T1600Z_10.0.0.1_bench1.log.gz";
const TARGET_MB: u64 = 64;

fn peak_child_rss_kib() -> i64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_CHILDREN with a valid pointer.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc == 0 {
        usage.ru_maxrss
    } else {
        -1
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let gb: u64 = std::env::var("ELBSHIP_BENCH_GB").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(NAME);
    let t = Instant::now();
    let file = BufWriter::new(std::fs::File::create(&path)?);
    let mut gz = GzEncoder::new(file, flate2::Compression::new(6));
    let lines = elbship_core::synth::write_alb_log(&mut gz, 9, 1_764_000_000_000, gb * 1_000_000_000)?;
    gz.finish()?;
    let stored = std::fs::metadata(&path)?.len();
    println!(
        "memory bench: {gb} GB uncompressed ({lines} lines), {:.0} MB gzip, generated in {:.1}s",
        stored as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_elbship"))
        .args(["inspect", "--span-size", "256MiB", "--now", "2025-11-24T17:00:00Z"])
        .arg(&path)
        .stdout(Stdio::piped())
        .output()?;
    let secs = t.elapsed().as_secs_f64();
    let report = String::from_utf8_lossy(&status.stdout);
    println!("{report}");
    let rss_mb = peak_child_rss_kib() as f64 / 1024.0;
    println!(
        "elbship inspect: {:.1}s ({:.0} MB/s uncompressed, plan pass + span passes), peak RSS {rss_mb:.1} MiB (target < {TARGET_MB} MB)",
        secs,
        gb as f64 * 1000.0 / secs
    );
    if !status.status.success() || !report.contains("balanced: every line") {
        return Err("inspect did not balance".into());
    }
    Ok(())
}

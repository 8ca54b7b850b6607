//! `cargo run -p elbship-xtask -- docs` rewrites every generated table (docs/ and the CDK app's configuration file)
//! from the code; `-- check` fails, naming the file, when one is stale (the tests check the same).

use std::process::ExitCode;

fn main() -> ExitCode {
    let root = elbship_xtask::root();
    let write = match std::env::args().nth(1).as_deref() {
        Some("docs") => true,
        Some("check") => false,
        _ => {
            eprintln!("usage: cargo run -p elbship-xtask -- docs|check");
            return ExitCode::from(2);
        }
    };
    let mut stale = 0;
    for target in elbship_xtask::targets() {
        let path = root.join(target.path);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let new = match target.render(&old) {
            Ok(new) => new,
            Err(e) => {
                eprintln!("{}: {e}", target.path);
                return ExitCode::FAILURE;
            }
        };
        if new == old {
            continue;
        }
        stale += 1;
        if write {
            if let Err(e) = std::fs::write(&path, new) {
                eprintln!("{}: {e}", target.path);
                return ExitCode::FAILURE;
            }
            println!("wrote {}", target.path);
        } else {
            eprintln!("{} is stale: cargo run -p elbship-xtask -- docs", target.path);
        }
    }
    if stale > 0 && !write {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

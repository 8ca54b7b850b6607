//! `make soak`: a simulated day on the local stack (see [`elbship_e2e::soak`]): 20 load balancer nodes of 5 load
//! balancers writing an object every 5 minutes (5,760 objects, `ELBSHIP_SOAK_OBJECTS`), one in 40 over the Express
//! limit, one event in 20 delivered twice, a random fault every 2 s (a kill at most every 2 minutes); prints what
//! was verified, lost, stored twice and counted, and the time; fails unless every line arrived once.

use elbship_e2e::soak::{run, Soak};
use elbship_e2e::Stack;
use std::sync::Arc;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let objects = std::env::var("ELBSHIP_SOAK_OBJECTS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_760);
    let patience = std::env::var("ELBSHIP_SOAK_PATIENCE_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(900);
    let soak = Soak {
        objects,
        nodes: 20,
        load_balancers: 5,
        large_every: 40,
        duplicate_every: 20,
        fault_every: Duration::from_secs(2),
        kill_every: Duration::from_secs(120),
        in_flight: 16,
        patience: Duration::from_secs(patience),
    };
    println!("make soak: {objects} objects from {} nodes, a random fault every {:?}", soak.nodes, soak.fault_every);
    let report = run(Arc::new(Stack::connect().await), soak).await;
    report.print();
    if report.verified != report.objects || report.lost != 0 || report.twice != 0 || !report.stuck.is_empty() {
        eprintln!("make soak FAILED: not every line arrived once");
        std::process::exit(1);
    }
}

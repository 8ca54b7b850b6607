//! A short simulated day (`make soak` runs the whole one): 120 objects from 20 nodes of 5 load balancers (one per
//! kind of log), 4 of them over the Express limit, every tenth event delivered twice, a random fault of every kind
//! the fault suite tests injected every 3 s; every log group compared line by line with the objects.

use elbship_e2e::soak::{run, Soak};
use elbship_e2e::Stack;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn a_short_day_of_faults_ends_with_every_line_once() {
    let soak = Soak {
        objects: 120,
        nodes: 20,
        load_balancers: 5,
        large_every: 30,
        duplicate_every: 10,
        fault_every: Duration::from_secs(3),
        kill_every: Duration::from_secs(60),
        in_flight: 12,
        patience: Duration::from_secs(300),
    };
    let report = run(Arc::new(Stack::connect().await), soak).await;
    report.print();
    assert!(report.stuck.is_empty(), "no execution still running after 5 minutes");
    assert_eq!(report.verified, report.objects, "every object verified");
    assert_eq!((report.lost, report.twice), (0, 0), "every line once");
    assert!(report.faults.values().sum::<u64>() > 10, "faults were injected: {:?}", report.faults);
}

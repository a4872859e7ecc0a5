//! The harness's own promises that the main suite cannot show: a guest that hangs is
//! killed at the time limit and the error carries what the console and the results
//! channel had printed by then.

use std::time::{Duration, Instant};

use qemu_harness::{HarnessError, Scenario};

#[test]
fn a_hanging_guest_is_killed_at_the_limit_with_its_output() {
    if !qemu_harness::require_qemu() {
        return;
    }
    let limit = Duration::from_secs(12);
    let started = Instant::now();
    let result = Scenario::new("hang")
        .timeout(limit)
        .step("before", "echo about to hang")
        .step("hang", "echo hanging now; sleep 1000")
        .run();
    let elapsed = started.elapsed();
    match result {
        Err(HarnessError::Timeout {
            scenario,
            seconds,
            console,
            results,
        }) => {
            assert_eq!(scenario, "hang");
            assert_eq!(seconds, 12);
            // On a slow machine the guest may not have reached /init in time (with `quiet`
            // the kernel prints nearly nothing); when it did, the console and the results
            // channel hold what it printed up to the hang.
            if results.contains("@@READY") {
                assert!(
                    console.contains("@@READY"),
                    "console not captured:\n{console}"
                );
                if results.contains("@@END before rc=0@@") {
                    assert!(results.contains("about to hang"), "{results}");
                }
            } else {
                eprintln!("the guest did not reach /init within {seconds} s; console:\n{console}");
            }
        }
        Err(other) => panic!("expected a timeout, got: {other}"),
        Ok(report) => panic!(
            "a guest sleeping 1000 s finished: {}",
            report.timing_summary()
        ),
    }
    assert!(
        elapsed >= limit,
        "killed after {elapsed:?}, before the limit"
    );
    assert!(
        elapsed < limit + Duration::from_secs(15),
        "QEMU outlived the limit: {elapsed:?}"
    );
}

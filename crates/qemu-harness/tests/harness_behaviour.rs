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
    // A boot to /init takes about 5 s here (QEMU-RECORD.txt's runs: "guest ready
    // at 4.8 s"); the limit leaves room for a slow machine, so that the output
    // printed before the hang is always there to check.
    let limit = Duration::from_secs(30);
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
            assert_eq!(seconds, 30);
            // The console and the results channel hold what the guest printed
            // up to the hang: /init's marker, the first step's output and end,
            // and the hanging step's first words.
            assert!(
                console.contains("@@READY"),
                "console not captured:\n{console}"
            );
            assert!(results.contains("@@READY"), "results: {results}");
            assert!(
                results.contains("about to hang") && results.contains("@@END before rc=0@@"),
                "results: {results}"
            );
            assert!(results.contains("hanging now"), "results: {results}");
            assert!(!results.contains("@@END hang"), "the hang ended? {results}");
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

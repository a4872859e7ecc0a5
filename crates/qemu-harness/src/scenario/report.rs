//! What a boot produced: the framed sections of the results channel, timings, and the
//! accessors tests use ([`BootReport::ok_output`]).

use std::time::Duration;

use crate::error::{HarnessError, Result};

/// One framed section of the guest's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The step name.
    pub name: String,
    /// The step's exit status.
    pub rc: i32,
    /// What the step printed (stdout and stderr interleaved), exactly.
    pub output: String,
}

/// What one boot produced.
#[derive(Debug, Clone)]
pub struct BootReport {
    /// The scenario name.
    pub scenario: String,
    /// The framed sections, in the order the guest ran them.
    pub sections: Vec<Section>,
    /// Everything QEMU printed on stdout and stderr (BIOS, kernel, console).
    pub console: String,
    /// The raw results channel (ttyS1).
    pub results: String,
    /// Wall-clock time from QEMU's start to its exit.
    pub wall: Duration,
    /// Guest uptime (seconds) when modules were loaded and all drives found.
    pub guest_ready_at: Option<f64>,
    /// Guest uptime (seconds) when the last step ended.
    pub guest_done_at: Option<f64>,
    /// Wall-clock time spent building the initramfs on the host.
    pub initramfs_build: Duration,
    /// Size of the initramfs in bytes.
    pub initramfs_bytes: u64,
    /// Guest seconds each step took, in the order they ran.
    pub step_seconds: Vec<(String, f64)>,
}

/// Splits the results channel into sections. Text outside sections (boot markers) is
/// ignored; a BEGIN without its END is an error.
pub fn parse_sections(results: &str) -> std::result::Result<Vec<Section>, String> {
    let mut sections = Vec::new();
    let mut rest = results;
    while let Some(begin) = rest.find("@@BEGIN ") {
        let after = &rest[begin + "@@BEGIN ".len()..];
        let Some(name_end) = after.find("@@\n") else {
            return Err(format!(
                "malformed BEGIN marker near {:?}",
                truncate(after, 80)
            ));
        };
        let name = &after[..name_end];
        let body_start = &after[name_end + 3..];
        let end_marker = format!("\n@@END {name} rc=");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(format!(
                "section {name} has no END marker (guest died or hung in it?)"
            ));
        };
        let output = &body_start[..end];
        let tail = &body_start[end + end_marker.len()..];
        let Some(rc_end) = tail.find("@@") else {
            return Err(format!("section {name}: malformed END marker"));
        };
        let rc = tail[..rc_end]
            .parse::<i32>()
            .map_err(|_| format!("section {name}: bad exit status {:?}", &tail[..rc_end]))?;
        sections.push(Section {
            name: name.to_string(),
            rc,
            output: output.to_string(),
        });
        rest = &tail[rc_end + 2..];
    }
    Ok(sections)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl BootReport {
    /// The section of step `name`.
    pub fn section(&self, name: &str) -> Result<&Section> {
        self.sections
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| HarnessError::GuestOutput {
                scenario: self.scenario.clone(),
                message: format!("no section {name}"),
                console: self.console.clone(),
                results: self.results.clone(),
            })
    }

    /// The output of step `name`, which must have exited 0.
    pub fn ok_output(&self, name: &str) -> Result<&str> {
        let section = self.section(name)?;
        if section.rc != 0 {
            return Err(HarnessError::GuestOutput {
                scenario: self.scenario.clone(),
                message: format!("step {name} exited {}:\n{}", section.rc, section.output),
                console: self.console.clone(),
                results: self.results.clone(),
            });
        }
        Ok(&section.output)
    }

    /// Like [`BootReport::ok_output`] for tests: the output, or a panic showing the
    /// step's output and the console.
    #[track_caller]
    pub fn expect_ok(&self, name: &str) -> &str {
        self.ok_output(name).unwrap_or_else(|e| panic!("{e}"))
    }

    /// One line of timings for logs: wall time, guest uptime at ready/done, initramfs size.
    pub fn timing_summary(&self) -> String {
        format!(
            "{}: wall {:.1} s, guest ready at {} s, done at {} s, initramfs {:.1} MB built in {:.1} s",
            self.scenario,
            self.wall.as_secs_f64(),
            self.guest_ready_at.map_or("?".into(), |t| format!("{t:.1}")),
            self.guest_done_at.map_or("?".into(), |t| format!("{t:.1}")),
            self.initramfs_bytes as f64 / 1e6,
            self.initramfs_build.as_secs_f64(),
        ) + &self.slowest_steps(3)
    }

    /// `; slowest steps: a 2.1 s, b 1.0 s` for the `count` slowest steps (empty if none).
    fn slowest_steps(&self, count: usize) -> String {
        let mut steps = self.step_seconds.clone();
        steps.sort_by(|a, b| b.1.total_cmp(&a.1));
        if steps.is_empty() {
            return String::new();
        }
        let listed: Vec<String> = steps
            .iter()
            .take(count)
            .map(|(name, secs)| format!("{name} {secs:.1} s"))
            .collect();
        format!("; slowest steps: {}", listed.join(", "))
    }
}

/// `@@TIME <step> <start uptime> <end uptime>@@` lines → (step, seconds).
pub(super) fn parse_step_times(results: &str) -> Vec<(String, f64)> {
    results
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line
                .strip_prefix("@@TIME ")?
                .strip_suffix("@@")?
                .split(' ')
                .collect();
            let [name, start, end] = fields[..] else {
                return None;
            };
            let seconds = end.parse::<f64>().ok()? - start.parse::<f64>().ok()?;
            Some((name.to_string(), seconds))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sections_are_split_with_exact_output() {
        let results = "@@BOOT uptime=1.0@@\n@@READY uptime=2.5@@\n\
                       @@BEGIN a@@\nline 1\nline 2\n\n@@END a rc=0@@\n\
                       @@BEGIN b.c@@\nno newline\n@@END b.c rc=3@@\n\
                       @@BEGIN empty@@\n\n@@END empty rc=0@@\n";
        let sections = parse_sections(results).unwrap();
        assert_eq!(sections.len(), 3);
        assert_eq!(
            sections[0],
            Section {
                name: "a".into(),
                rc: 0,
                output: "line 1\nline 2\n".into()
            }
        );
        assert_eq!(sections[1].output, "no newline");
        assert_eq!(sections[1].rc, 3);
        assert_eq!(sections[2].output, "");
    }

    #[test]
    fn step_times_are_read_from_time_lines() {
        let times =
            parse_step_times("@@TIME a 3.5 4.0@@\nnoise\n@@TIME b 4.0 6.25@@\n@@TIME bad@@\n");
        assert_eq!(times, [("a".to_string(), 0.5), ("b".to_string(), 2.25)]);
    }

    #[test]
    fn unterminated_section_is_an_error() {
        let err = parse_sections("@@BEGIN a@@\npartial output").unwrap_err();
        assert!(err.contains("no END marker"), "{err}");
    }
}

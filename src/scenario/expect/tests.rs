//! Unit tests of reading `[[expect]]` and `[check]`.

use super::*;
use crate::scenario::load_str;
use std::path::Path;

fn with(extra: &str) -> Result<crate::scenario::Scenario, String> {
    let base = r#"name = "t"
[simulation]
horizon = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "inbound"
channel = "voice"
rate = "60/h"
handle_time = { dist = "exponential", mean = "240s" }
[[agents]]
group = "team"
count = 2
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;
    load_str(Path::new("t.toml"), &format!("{base}{extra}"))
        .map(|l| l.scenario)
        .map_err(|e| e.to_string())
}

#[test]
fn expectations_read_numbers_percentages_and_durations() {
    let s = with(
        "[[expect]]\nkpi = \"service_level\"\nop = \">=\"\nvalue = \"80%\"\n\
         [[expect]]\nkpi = \"queues.q.asa_s\"\nop = \"<\"\nvalue = \"1m\"\nname = \"fast\"\nconfidence = 0.9\n\
         [[expect]]\nkpi = \"offered\"\nop = \"==\"\nvalue = 60\ntolerance = 10\n\
         [check]\ninconclusive = \"fail\"\nmax_replications = 40\n",
    )
    .unwrap();
    let e = &s.expectations;
    assert_eq!(e.len(), 3);
    assert!((e[0].value - 0.8).abs() < 1e-12);
    assert_eq!((e[0].op, e[0].confidence), (Op::AtLeast, 0.95));
    assert_eq!(
        (e[1].op, e[1].value, e[1].confidence),
        (Op::Below, 60.0, 0.9)
    );
    assert_eq!(e[1].label(), "fast");
    assert_eq!(e[2].label(), "offered == 60 ± 10");
    assert_eq!((e[0].kpi_at.line, e[0].kpi_at.column), (20, 7));
    assert_eq!(s.check.inconclusive, Inconclusive::Fail);
    assert_eq!(s.check.max_replications, Some(40));
}

#[test]
fn no_expectations_no_change() {
    let s = with("").unwrap();
    assert!(s.expectations.is_empty());
    assert_eq!(s.check, CheckOptions::default());
}

#[test]
fn bad_entries_are_errors_with_positions() {
    let e = with(
        "[[expect]]\nkpi = \"service_level\"\nop = \"=>\"\nvalue = 0.8\n\
         [[expect]]\nkpi = \"service_level\"\nop = \">=\"\nvalue = \"30s\"\n\
         [[expect]]\nkpi = \"asa_s\"\nop = \"==\"\nvalue = \"30s\"\n\
         [[expect]]\nkpi = \"asa_s\"\nop = \"<=\"\nvalue = 3\ntolerance = 1\nconfidence = 1.0\n\
         [check]\ninconclusive = \"fial\"\nmax_replications = 1\n",
    )
    .unwrap_err();
    for want in [
        "t.toml:21:6: error: unknown `op` \"=>\"; expected one of \">=\", \"<=\", \">\", \"<\", \"==\" (did you mean `>=`?)",
        "t.toml:26:9: error: expected a number (0.8) or a percentage (\"80%\")",
        "t.toml:29:6: error: op = \"==\" needs a `tolerance`",
        "t.toml:35:13: error: `tolerance` applies only to op = \"==\"",
        "t.toml:36:14: error: `confidence` must be above 0.5",
        "t.toml:38:16: error: unknown `inconclusive` \"fial\"",
        "did you mean \"fail\"?",
        "t.toml:39:20: error: `max_replications` must be between 2",
    ] {
        assert!(e.contains(want), "missing {want} in\n{e}");
    }
}

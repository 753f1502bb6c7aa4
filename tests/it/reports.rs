//! A report folder never mixes runs: each run replaces the whole folder at
//! once, says in `manifest.json` what wrote it and from which inputs, and
//! concurrent, failed or killed runs leave a complete set (old or new).

use super::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir};
use sha2::Digest;
use std::path::Path;

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// SHA-256 of bytes, lowercase hex.
fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn run(file: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        file,
        "--replications",
        "3",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ccsim_ok(&args, &[]);
}

/// A priced run followed by an unpriced one into the same folder leaves no
/// `costs.csv`; the manifest names the run, its inputs by SHA-256 and every
/// file with its size.
#[test]
fn a_run_replaces_the_whole_folder_and_says_what_it_is() {
    let root = temp_dir("replace-folder");
    let out = root.join("report");
    let priced = scenario("finance-voice-only.toml");
    run(priced.to_str().unwrap(), &out, &[]);
    assert!(listing(&out).contains(&"costs.csv".to_string()));
    let m = manifest(&out);
    assert_eq!(m["scenario"], "finance-voice-only");
    let card = &m["inputs"][1];
    assert_eq!(card["role"], "rate card");
    let card_text = std::fs::read(scenario("rates/twilio-us.toml")).unwrap();
    assert_eq!(
        card["sha256"],
        sha256(&card_text),
        "the card is identified by its content"
    );
    let quick = scenario("quickstart.toml");
    run(quick.to_str().unwrap(), &out, &["--seed", "11"]);
    assert_eq!(
        listing(&out),
        [
            "intervals-long.csv",
            "intervals.csv",
            "manifest.json",
            "summary.csv",
            "waits.csv"
        ],
        "nothing of the priced run is left"
    );
    let m = manifest(&out);
    assert_eq!(m["scenario"], "single-queue");
    assert_eq!(m["scenario_path"], quick.to_str().unwrap());
    assert_eq!(m["seed"], 11);
    assert_eq!(m["replications"], 3);
    assert_eq!(m["complete"], true);
    assert_eq!(m["ccsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["command_line"][1], "run");
    let input = &m["inputs"][0];
    assert_eq!(input["role"], "scenario");
    let text = std::fs::read(&quick).unwrap();
    assert_eq!(input["bytes"], text.len());
    assert_eq!(input["sha256"], sha256(&text));
    for f in m["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        assert_eq!(
            f["bytes"].as_u64().unwrap(),
            std::fs::metadata(out.join(name)).unwrap().len(),
            "{name}"
        );
    }
    assert_eq!(m["files"].as_array().unwrap().len(), 4);
    for t in ["started_utc", "finished_utc"] {
        let v = m[t].as_str().unwrap();
        assert!(v.starts_with("20") && v.ends_with('Z'), "{t} = {v}");
    }
    assert_eq!(listing(&root), ["report"], "no temporaries left beside it");
}

/// Two runs writing to the same folder at once take turns: the folder always
/// holds one run's complete set, identical to that run done alone.
#[test]
fn concurrent_runs_never_mix() {
    let root = temp_dir("concurrent");
    let file = scenario("quickstart.toml");
    let file = file.to_str().unwrap();
    let reference = |seed: &str| {
        let dir = root.join(format!("ref-{seed}"));
        run(file, &dir, &["--seed", seed]);
        (
            std::fs::read(dir.join("summary.csv")).unwrap(),
            std::fs::read(dir.join("intervals.csv")).unwrap(),
        )
    };
    let refs = [reference("1"), reference("2")];
    let out = root.join("shared");
    let o = out.to_str().unwrap().to_string();
    // A reader that looks at the folder all along: it opens the folder once
    // per look and reads the files through that handle, as a careful reader
    // does; every look must be one complete set matching its manifest.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (stop, out, refs) = (stop.clone(), out.clone(), refs.clone());
        std::thread::spawn(move || {
            let mut looks = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(handle) = std::fs::File::open(&out) else {
                    continue;
                };
                use std::os::fd::AsRawFd;
                let base =
                    std::path::PathBuf::from(format!("/proc/self/fd/{}", handle.as_raw_fd()));
                let (Ok(m), Ok(summary), Ok(intervals)) = (
                    std::fs::read(base.join("manifest.json")),
                    std::fs::read(base.join("summary.csv")),
                    std::fs::read(base.join("intervals.csv")),
                ) else {
                    continue;
                };
                let m: serde_json::Value = serde_json::from_slice(&m).unwrap();
                let seed = m["seed"].as_u64().unwrap() as usize;
                assert!(
                    (summary.clone(), intervals) == refs[seed - 1],
                    "a reader saw a mixture (manifest seed {seed})"
                );
                assert_eq!(
                    m["files"][0]["bytes"].as_u64().unwrap() as usize,
                    summary.len()
                );
                looks += 1;
            }
            looks
        })
    };
    for round in 0..8 {
        let spawn = |seed: &'static str| {
            let o = o.clone();
            let file = file.to_string();
            std::thread::spawn(move || {
                ccsim(
                    &[
                        "run",
                        &file,
                        "--replications",
                        "3",
                        "--seed",
                        seed,
                        "--out",
                        &o,
                    ],
                    &[],
                )
            })
        };
        let (a, b) = (spawn("1"), spawn("2"));
        for h in [a, b] {
            let r = h.join().unwrap();
            assert!(r.status.success(), "{}", stderr_no_panic(&r));
        }
        let seed = manifest(&out)["seed"].as_u64().unwrap() as usize;
        let got = (
            std::fs::read(out.join("summary.csv")).unwrap(),
            std::fs::read(out.join("intervals.csv")).unwrap(),
        );
        assert!(
            got == refs[seed - 1],
            "round {round}: the folder mixes runs (manifest says seed {seed})"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let looks = reader.join().expect("the reader saw only complete sets");
    assert!(looks > 0);
    assert_eq!(listing(&root), ["ref-1", "ref-2", "shared"]);
}

/// A run killed while it works leaves the previous complete set (its
/// temporaries are deleted by the next run); an events stream inside the
/// report folder is part of the set.
#[test]
fn a_killed_run_leaves_the_previous_set() {
    let root = temp_dir("killed");
    let out = root.join("r");
    let file = scenario("quickstart.toml");
    let file = file.to_str().unwrap();
    let events = out.join("events.jsonl");
    run(file, &out, &["--events", events.to_str().unwrap()]);
    let before = std::fs::read(out.join("summary.csv")).unwrap();
    assert!(listing(&out).contains(&"events.jsonl".to_string()));
    for wait_ms in [50, 300] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccsim"))
            .args([
                "run",
                file,
                "--replications",
                "3000",
                "--seed",
                "5",
                "--out",
                out.to_str().unwrap(),
                "--events",
                events.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            std::fs::read(out.join("summary.csv")).unwrap(),
            before,
            "killed after {wait_ms} ms"
        );
        assert_eq!(manifest(&out)["complete"], true);
    }
    // The next run removes what the killed ones left behind.
    run(file, &out, &["--events", events.to_str().unwrap()]);
    assert_eq!(listing(&root), ["r"]);
    assert_eq!(
        listing(&out),
        [
            "events.jsonl",
            "intervals-long.csv",
            "intervals.csv",
            "manifest.json",
            "summary.csv",
            "waits.csv"
        ]
    );
    let files: Vec<String> = manifest(&out)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains(&"events.jsonl".to_string()));
}

/// An events stream that would be lost when the folder is replaced (in a
/// subfolder) or that would clash with a report file is refused before the
/// run; a scenario path that is not UTF-8 is recorded, not a crash.
#[test]
fn events_paths_and_odd_arguments() {
    let root = temp_dir("events-paths");
    let out = root.join("r");
    let file = scenario("quickstart.toml");
    for (events, expected) in [
        (
            out.join("sub/ev.jsonl"),
            "would be deleted when the folder is replaced",
        ),
        (out.join("summary.csv"), "that name belongs to the report"),
    ] {
        let r = ccsim(
            &[
                "run",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--events",
                events.to_str().unwrap(),
            ],
            &[],
        );
        let err = stderr_no_panic(&r);
        assert_eq!(r.status.code(), Some(1), "{err}");
        assert!(err.contains(expected), "{err}");
    }
    assert!(!out.exists(), "nothing was run");
    // A path with a byte that is not UTF-8.
    use std::os::unix::ffi::OsStrExt;
    let odd = root.join(std::ffi::OsStr::from_bytes(b"caf\xe9.toml"));
    std::fs::copy(&file, &odd).unwrap();
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_ccsim"))
        .arg("run")
        .arg(&odd)
        .args(["--replications", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    stderr_no_panic(&r);
    assert!(r.status.success());
    let m = manifest(&out);
    assert!(
        m["command_line"][2]
            .as_str()
            .unwrap()
            .ends_with("caf\u{fffd}.toml"),
        "{m}"
    );
}

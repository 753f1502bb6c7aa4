//! `manifest.json`: what a report folder holds and where it came from, so a
//! folder can be traced back to its exact inputs and run (and told apart
//! from any other run's).

use crate::scenario::{InputFile, Scenario};
use serde::Serialize;

/// The contents of `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Version of the ccsim that wrote the folder.
    pub ccsim_version: &'static str,
    /// The verb that wrote it (`run`).
    pub command: &'static str,
    /// The whole command line, as given.
    pub command_line: Vec<String>,
    /// The scenario's `name`.
    pub scenario: String,
    /// The scenario path as given on the command line.
    pub scenario_path: String,
    /// Every input file read, with its size and SHA-256.
    pub inputs: Vec<Input>,
    /// The `--set KEY=VALUE` overrides applied to the scenario, in order.
    pub overrides: Vec<String>,
    /// Base seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// When the command started, UTC (RFC 3339).
    pub started_utc: String,
    /// When the folder was written, UTC (RFC 3339).
    pub finished_utc: String,
    /// The files of the folder besides this manifest, with their sizes.
    pub files: Vec<WrittenFile>,
    /// Always true in a folder ccsim finished writing (a folder without a
    /// manifest, or with `complete` false, is not a complete report).
    pub complete: bool,
}

/// An input file as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    /// "scenario", "rate card", "workflow", "trace".
    pub role: &'static str,
    /// Path as resolved.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
}

impl From<&InputFile> for Input {
    fn from(f: &InputFile) -> Input {
        Input {
            role: f.role,
            path: f.path.display().to_string(),
            bytes: f.bytes,
            sha256: f.sha256.clone(),
        }
    }
}

/// A file written into the folder.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenFile {
    /// Name inside the folder.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// The command line `ccsim merge` stands for (the unsharded run's), set
/// once by the merge so the merged folder names the run it equals.
static STANDS_FOR: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Makes [`command_line`] return `argv` for the rest of the process: a
/// merge writes the folder of the unsharded command `argv`. Only the first
/// call counts.
pub fn set_command_line(argv: Vec<String>) {
    let _ = STANDS_FOR.set(argv);
}

/// This process's command line, as the manifest records it (or the one
/// given to [`set_command_line`]).
pub fn command_line() -> Vec<String> {
    if let Some(argv) = STANDS_FOR.get() {
        return argv.clone();
    }
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The current time, UTC, RFC 3339 to the second; with
/// `SOURCE_DATE_EPOCH` set (seconds since 1970, the reproducible-builds
/// convention), that time instead, so that two runs' folders, manifests
/// and pages included, can be compared byte for byte.
pub fn now_utc() -> String {
    if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
    {
        return t.to_string();
    }
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string())
}

impl Manifest {
    /// A manifest for a run of `s`; `files` and `finished_utc` are filled in
    /// when the folder is written ([`Manifest::finish`]).
    pub fn for_run(
        s: &Scenario,
        scenario_path: &str,
        seed: u64,
        replications: u32,
        command_line: Vec<String>,
        started_utc: String,
    ) -> Manifest {
        Manifest::for_command(
            "run",
            s,
            scenario_path,
            seed,
            replications,
            command_line,
            started_utc,
        )
    }

    /// [`Manifest::for_run`] for another verb (`sweep`); `s` is the
    /// scenario as the command read it (for a sweep, without the axes).
    pub fn for_command(
        command: &'static str,
        s: &Scenario,
        scenario_path: &str,
        seed: u64,
        replications: u32,
        command_line: Vec<String>,
        started_utc: String,
    ) -> Manifest {
        Manifest {
            ccsim_version: env!("CARGO_PKG_VERSION"),
            command,
            command_line,
            scenario: s.name.clone(),
            scenario_path: scenario_path.to_string(),
            inputs: s.inputs.iter().map(Input::from).collect(),
            overrides: s.overrides.clone(),
            seed,
            replications,
            started_utc,
            finished_utc: String::new(),
            files: Vec::new(),
            complete: false,
        }
    }

    /// The manifest's JSON once the files are written.
    pub fn finish(mut self, files: &[(String, u64)]) -> Vec<u8> {
        self.files = files
            .iter()
            .map(|(name, bytes)| WrittenFile {
                name: name.clone(),
                bytes: *bytes,
            })
            .collect();
        self.finished_utc = now_utc();
        self.complete = true;
        let mut out = serde_json::to_vec_pretty(&self).expect("a manifest always serializes");
        out.push(b'\n');
        out
    }
}

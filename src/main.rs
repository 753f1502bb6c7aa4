//! The `ccsim` binary: parse, run, print the error chain. See `cli.rs`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (e.g. `ccsim run --json | head`) is not a failure.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            // A verdict already printed (`ccsim check`): only its status.
            if let Some(cli::Exit(code)) = e.downcast_ref::<cli::Exit>() {
                return ExitCode::from(*code);
            }
            if e.downcast_ref::<ccsim::scenario::diag::ScenarioError>()
                .is_some()
            {
                eprintln!("{e}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

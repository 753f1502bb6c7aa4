//! `ccsim merge`: the shards' partial folders checked and opened, then the
//! shards' command parsed again and run with the partials standing in for
//! its replications, so that every output comes from the same code as the
//! unsharded command's.

use super::{Cli, Command, dispatch};
use anyhow::{Result, anyhow, bail};
use ccsim::shard::merge::Merge;
use clap::Parser;
use std::path::{Path, PathBuf};

pub(super) fn merge(dirs: &[PathBuf], out: &Path, json: bool) -> Result<()> {
    // The merged folder replaces --out as a whole: never a partial.
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    if let Some(d) = dirs.iter().find(|d| same(d, out)) {
        bail!(
            "--out {} is one of the partial folders ({}); merge into another folder",
            out.display(),
            d.display()
        );
    }
    let mut m = Merge::open(dirs).map_err(anyhow::Error::msg)?;
    let out_text = out
        .to_str()
        .ok_or_else(|| anyhow!("--out {}: not valid UTF-8", out.display()))?;
    let argv = ccsim::shard::unsharded_command_line(&m.partial.command_line, out_text);
    let mut parsed = argv.clone();
    if json && !argv.iter().any(|a| a == "--json") {
        parsed.push("--json".into());
    }
    let cli = Cli::try_parse_from(&parsed).map_err(|e| {
        anyhow!(
            "the shards' command `{}` does not parse with this ccsim: {e}",
            m.partial.command_line.join(" ")
        )
    })?;
    if matches!(cli.command, Command::Merge { .. }) {
        bail!("the shards' command is itself a merge");
    }
    eprintln!(
        "merging {} shards of `{}`",
        m.partial.shard.count,
        argv.join(" ")
    );
    ccsim::report::manifest::set_command_line(argv);
    dispatch(cli, Some(&mut m))
}

//! Reports: read a [`Summary`](crate::summary::Summary), a scenario or
//! replication 0's audit trail, never engine state. `json` is the
//! docs/outputs.md contract, `table` the terminal view (`intervals_table`
//! its per-interval part, `run --intervals`), `csv` the files in the
//! report folder, `folder` replaces a report folder as a whole and `manifest`
//! says what is in it, `html` is the self-contained page of `--html`.
//! `overview` is what `ccsim validate` prints, `story` and
//! `tasks` what `ccsim explain` does.

pub mod charts;
pub mod csv;
pub mod folder;
pub mod html;
pub mod intervals_table;
pub mod json;
pub mod manifest;
pub mod overview;
pub mod story;
pub mod table;
pub mod tasks;

pub use crate::scenario::units::clock;

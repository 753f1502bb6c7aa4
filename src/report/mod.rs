//! Reports: read a [`Summary`](crate::sweep::Summary), never engine state.
//! `json` is the DESIGN §4.3 contract, `table` the terminal view, `csv` the
//! files in the report folder. Files are written atomically.

pub mod csv;
pub mod json;
pub mod table;

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename, so readers never see a half-written file.
///
/// # Errors
/// Any I/O error, with the path in its message.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| std::io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))
}

/// Formats seconds from the simulation start as `d HH:MM` (day omitted on day 0).
pub fn clock(t: f64) -> String {
    let total = t.round() as i64;
    let (d, rem) = (total / 86_400, total % 86_400);
    let (h, m) = (rem / 3600, (rem % 3600) / 60);
    if d == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("d{d} {h:02}:{m:02}")
    }
}

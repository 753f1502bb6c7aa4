//! Reading the files a scenario names: only regular files (a path to
//! `/dev/zero` or a pipe is refused at once instead of filling memory or
//! hanging), at most a stated size, and UTF-8 with the position of the first
//! bad byte when it is not.

use std::io::Read;
use std::path::Path;

/// Largest scenario file read.
pub const SCENARIO_MAX_BYTES: u64 = 16 << 20;
/// Largest rate card read.
pub const CARD_MAX_BYTES: u64 = 4 << 20;
/// Largest TaskRouter workflow document read (TaskRouter's own limit is 1 MB).
pub const WORKFLOW_MAX_BYTES: u64 = 4 << 20;
/// Largest trace read (each row is kept in memory).
pub const TRACE_MAX_BYTES: u64 = 1 << 30;

/// Reads a text file of at most `max` bytes.
///
/// # Errors
/// A message naming what is wrong: not found, not a regular file, too
/// large, or not UTF-8 (with the line, column and byte offset of the first
/// invalid byte).
pub fn read_text(path: &Path, max: u64) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "{} is not a regular file (a directory, device or pipe cannot be read as input)",
            path.display()
        ));
    }
    if meta.len() > max {
        return Err(too_large(path, max));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        return Err(too_large(path, max));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..bad]).expect("valid up to here");
        let line = valid.matches('\n').count() + 1;
        let column = valid[valid.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
        format!(
            "{} is not valid UTF-8: the byte at offset {bad} (line {line}, column {column}) is not part of a UTF-8 character; save the file as UTF-8",
            path.display()
        )
    })
}

fn too_large(path: &Path, max: u64) -> String {
    format!(
        "{} is larger than the {} MiB this input may have",
        path.display(),
        max >> 20
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_bad_bytes_are_refused_with_a_position() {
        let e = read_text(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(e.contains("is not a regular file"), "{e}");
        let dir = std::env::temp_dir().join(format!("ccsim-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("latin1.toml");
        std::fs::write(&f, b"name = \"t\"\nx = \"caf\xe9\"\n").unwrap();
        let e = read_text(&f, 1 << 20).unwrap_err();
        assert!(e.contains("byte at offset 19 (line 2, column 9)"), "{e}");
        std::fs::write(&f, vec![b'a'; 2000]).unwrap();
        assert!(read_text(&f, 1000).unwrap_err().contains("larger than"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

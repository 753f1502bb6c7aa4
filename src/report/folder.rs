//! Report folders: a run replaces its whole folder at once, so a reader sees
//! either the complete previous set of files or the complete new one, never
//! a mixture, and a run that fails or is killed leaves the previous set.
//!
//! How:
//! 1. Every writer takes an exclusive lock on the folder's parent directory
//!    (`flock`, released by the kernel if the process dies), so two runs into
//!    the same place take turns instead of interleaving.
//! 2. Under the lock, the new set is written into a sibling staging folder
//!    `.<name>.ccsim-new-<pid>`, each file synced, with `manifest.json` last.
//! 3. The staging folder and the report folder are swapped in one step
//!    (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames under
//!    the lock), then the old set is deleted.
//!
//! Staging folders only exist while their writer holds the lock, so one
//! found under the lock belongs to a writer that died: it is deleted. Other
//! temporaries ccsim writes outside a report folder (an `--events` stream)
//! hold a lock on themselves while being written; one whose lock can be
//! taken is stale and deleted by [`clean_stale_temporaries`].

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file of a report: its name inside the folder and its content.
#[derive(Debug, Clone)]
pub struct ReportFile {
    /// Name inside the report folder (`name`, or `sub/name` in one subfolder).
    pub name: String,
    /// The bytes to write.
    pub bytes: Vec<u8>,
}

/// Where a file's content comes from when the folder is written.
#[derive(Debug)]
pub enum Content {
    /// Bytes in memory.
    Bytes(Vec<u8>),
    /// A finished temporary file (an events stream), moved into the folder.
    Move(PathBuf),
}

/// Suffix of the temporaries ccsim owns (staging folders, event streams).
const TEMP_MARK: &str = ".ccsim-";

fn io_context(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// The parent of a report folder (created if needed) and the folder's name.
fn parent_and_name(dir: &Path) -> io::Result<(PathBuf, String)> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} cannot be a report folder (name it)", dir.display()),
            )
        })?
        .to_string();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io_context(e, "creating", &parent))?;
    Ok((parent, name))
}

/// An exclusive lock on a directory, held until dropped.
struct DirLock(#[allow(dead_code)] Option<File>);

/// Locks a directory, telling `notify` when another run holds it (the call
/// then waits); where locks are not supported, goes on without one and says so.
fn lock_dir(dir: &Path, notify: &mut dyn FnMut(String)) -> io::Result<DirLock> {
    let f = File::open(dir).map_err(|e| io_context(e, "opening", dir))?;
    match f.try_lock() {
        Ok(()) => Ok(DirLock(Some(f))),
        Err(std::fs::TryLockError::WouldBlock) => {
            notify(format!(
                "waiting for another ccsim run writing to {}",
                dir.display()
            ));
            f.lock().map_err(|e| io_context(e, "locking", dir))?;
            Ok(DirLock(Some(f)))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            notify(format!(
                "cannot lock {} ({e}); writing the report without a lock",
                dir.display()
            ));
            Ok(DirLock(None))
        }
    }
}

/// The report folder as it will be written: a symlink to a folder stands
/// for that folder.
fn resolve(dir: &Path) -> PathBuf {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
        }
        _ => dir.to_path_buf(),
    }
}

/// Checks, before any work, that `dir` can take a report: absent, or a
/// folder that is empty or a ccsim report.
///
/// # Errors
/// What is in the way, and how to choose another `--out`.
pub fn check(dir: &Path) -> io::Result<()> {
    let dir = resolve(dir);
    parent_and_name(&dir)?;
    match std::fs::metadata(&dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_context(e, "reading", &dir)),
        Ok(m) if !m.is_dir() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a folder; choose another --out",
                dir.display()
            ),
        )),
        Ok(_) if !replaceable(&dir)? => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} holds files that are not a ccsim report (no manifest.json); a run replaces its whole report folder, so choose a new or empty folder with --out",
                dir.display()
            ),
        )),
        Ok(_) => Ok(()),
    }
}

/// Replaces the report folder `dir` by `files` (name and content; a name
/// may put the file in one subfolder, `charts/x.svg`, created as needed) plus a
/// `manifest.json` built from the list of files written with their sizes.
/// On any error the previous folder is left as it was and nothing of the
/// new set remains. `notify` hears about waits for another run's lock.
///
/// # Errors
/// Any I/O error, naming the path.
pub fn replace(
    dir: &Path,
    files: Vec<(String, Content)>,
    manifest: impl FnOnce(&[(String, u64)]) -> Vec<u8>,
    notify: &mut dyn FnMut(String),
) -> io::Result<()> {
    let dir = resolve(dir);
    let (parent, name) = parent_and_name(&dir)?;
    let _lock = lock_dir(&parent, notify)?;
    // Under the lock, any temporary of this name is a dead writer's.
    remove_stale(&parent, &name);
    check(&dir)?;
    let staging = parent.join(format!(".{name}{TEMP_MARK}new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let written = write_staging(&staging, files, manifest).and_then(|()| swap(&staging, &dir));
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    written
}

/// Writes every file into the staging folder, then the manifest.
fn write_staging(
    staging: &Path,
    files: Vec<(String, Content)>,
    manifest: impl FnOnce(&[(String, u64)]) -> Vec<u8>,
) -> io::Result<()> {
    std::fs::create_dir(staging).map_err(|e| io_context(e, "creating", staging))?;
    let mut sizes = Vec::with_capacity(files.len());
    for (name, content) in files {
        check_name(&name)?;
        if let Some((sub, _)) = name.split_once('/') {
            let sub = staging.join(sub);
            if !sub.is_dir() {
                std::fs::create_dir(&sub).map_err(|e| io_context(e, "creating", &sub))?;
            }
        }
        let path = staging.join(&name);
        match content {
            Content::Bytes(bytes) => write_synced(&path, &bytes)?,
            Content::Move(from) => {
                std::fs::rename(&from, &path).map_err(|e| io_context(e, "moving", &from))?
            }
        }
        let size = std::fs::metadata(&path)
            .map_err(|e| io_context(e, "reading", &path))?
            .len();
        sizes.push((name, size));
    }
    write_synced(&staging.join("manifest.json"), &manifest(&sizes))?;
    for (name, _) in &sizes {
        if let Some((sub, _)) = name.split_once('/') {
            sync_dir(&staging.join(sub))?;
        }
    }
    sync_dir(staging)
}

/// A file name inside a report folder: `name` or `sub/name` (one
/// subfolder), each part non-empty and neither `.` nor `..`, no other
/// separator, not absolute.
fn check_name(name: &str) -> io::Result<()> {
    let parts: Vec<&str> = name.split('/').collect();
    let ok = parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains(['\\', '\0']));
    if ok {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{name:?} cannot be a file of a report folder (a name, or one subfolder and a name)"
            ),
        ))
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = File::create(path).map_err(|e| io_context(e, "creating", path))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| io_context(e, "writing", path))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Directories cannot be synced on every platform; where they can, this
    // makes the renames durable.
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
    Ok(())
}

/// Puts the staging folder in place of `dir` (checked by [`check`]) and
/// deletes the old set.
fn swap(staging: &Path, dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        std::fs::rename(staging, dir).map_err(|e| io_context(e, "renaming to", dir))?;
    } else {
        if exchange(staging, dir).is_err() {
            swap_by_renames(staging, dir)?;
        }
        // `staging` now holds the previous set; a failure to delete it
        // leaves a temporary the next run removes, not a wrong report.
        let _ = std::fs::remove_dir_all(staging);
    }
    if let Some(parent) = dir.parent() {
        sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })?;
    }
    Ok(())
}

/// Swaps `staging` and `dir` where no atomic exchange exists: two renames,
/// still under the lock; if the second fails, the previous set is put back.
fn swap_by_renames(staging: &Path, dir: &Path) -> io::Result<()> {
    let old = PathBuf::from(
        format!("{}", staging.display())
            .replace(&format!("{TEMP_MARK}new-"), &format!("{TEMP_MARK}old-")),
    );
    std::fs::rename(dir, &old).map_err(|e| io_context(e, "renaming", dir))?;
    if let Err(e) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(io_context(e, "renaming to", dir));
    }
    std::fs::rename(&old, staging).map_err(|e| io_context(e, "renaming", &old))
}

/// Files of reports written before folders had a manifest.
const REPORT_FILES: [&str; 6] = [
    "report.html",
    "summary.csv",
    "intervals.csv",
    "intervals-long.csv",
    "waits.csv",
    "costs.csv",
];

/// True when a folder may be replaced: empty, a ccsim report (it has a
/// manifest), or holding only files ccsim writes. Anything else may be a
/// user's own folder named by mistake, and is left alone.
fn replaceable(dir: &Path) -> io::Result<bool> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_context(e, "reading", dir))? {
        let entry = entry.map_err(|e| io_context(e, "reading", dir))?;
        names.push(entry.file_name().to_string_lossy().to_string());
    }
    Ok(names.iter().any(|n| n == "manifest.json")
        || names
            .iter()
            .all(|n| REPORT_FILES.contains(&n.as_str()) || n.ends_with(".jsonl")))
}

/// Swaps two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Deletes staging and old folders of `name` left by writers that died
/// (called with the parent's lock held, when no live writer can have one).
fn remove_stale(parent: &Path, name: &str) {
    let prefixes = [
        format!(".{name}{TEMP_MARK}new-"),
        format!(".{name}{TEMP_MARK}old-"),
    ];
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let n = entry.file_name().to_string_lossy().to_string();
        if prefixes.iter().any(|p| n.starts_with(p.as_str())) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A temporary file that holds a lock on itself while it is being written,
/// so that a later run can tell a dead writer's leftover from a live one.
pub struct LockedTemp {
    /// Where the content is being written.
    pub path: PathBuf,
    /// The open, locked file.
    pub file: File,
}

/// The temporary for a file to be written at `target`:
/// `<target>.ccsim-tmp-<pid>` beside it, created and locked. Stale ones of
/// the same target are deleted first.
///
/// # Errors
/// Any I/O error, naming the path.
pub fn locked_temp(target: &Path) -> io::Result<LockedTemp> {
    let file_name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file name is needed"))?
        .to_string_lossy()
        .to_string();
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| io_context(e, "creating", &dir))?;
    clean_stale_temporaries(&dir, &file_name);
    let path = dir.join(format!("{file_name}{TEMP_MARK}tmp-{}", std::process::id()));
    let file = File::create(&path).map_err(|e| io_context(e, "creating", &path))?;
    file.lock().map_err(|e| io_context(e, "locking", &path))?;
    Ok(LockedTemp { path, file })
}

/// Deletes `<file_name>.ccsim-tmp-*` files in `dir` whose writer is gone
/// (their lock can be taken).
pub fn clean_stale_temporaries(dir: &Path, file_name: &str) {
    let prefix = format!("{file_name}{TEMP_MARK}tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        if let Ok(f) = File::open(entry.path())
            && f.try_lock().is_ok()
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ccsim-folder-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn bytes(files: &[(&str, &str)]) -> Vec<(String, Content)> {
        files
            .iter()
            .map(|(n, b)| (n.to_string(), Content::Bytes(b.as_bytes().to_vec())))
            .collect()
    }

    fn quiet(_: String) {}

    fn manifest(sizes: &[(String, u64)]) -> Vec<u8> {
        format!("{sizes:?}").into_bytes()
    }

    fn listing(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    /// A name may put a file in one subfolder; the manifest hears its
    /// path and size, and a later set without it leaves no trace of it.
    #[test]
    fn files_may_go_into_one_subfolder() {
        let root = dir("subfolder");
        let out = root.join("r");
        replace(
            &out,
            bytes(&[
                ("a.csv", "1"),
                ("charts/x.svg", "<svg/>"),
                ("charts/x.png", "p"),
            ]),
            manifest,
            &mut quiet,
        )
        .unwrap();
        assert_eq!(listing(&out), ["a.csv", "charts", "manifest.json"]);
        assert_eq!(listing(&out.join("charts")), ["x.png", "x.svg"]);
        assert_eq!(
            std::fs::read_to_string(out.join("manifest.json")).unwrap(),
            r#"[("a.csv", 1), ("charts/x.svg", 6), ("charts/x.png", 1)]"#
        );
        replace(&out, bytes(&[("a.csv", "2")]), manifest, &mut quiet).unwrap();
        assert_eq!(listing(&out), ["a.csv", "manifest.json"]);
    }

    /// Names that would leave the folder, or nest deeper, are refused and
    /// the previous set stays.
    #[test]
    fn names_leaving_the_folder_are_refused() {
        let root = dir("names");
        let out = root.join("r");
        replace(&out, bytes(&[("a.csv", "old")]), manifest, &mut quiet).unwrap();
        for bad in [
            "../x.csv",
            "charts/../../x",
            "/etc/x",
            "a/b/c.svg",
            "charts\\x.svg",
            "charts/",
            "./x",
            "",
        ] {
            let err = replace(&out, bytes(&[(bad, "new")]), manifest, &mut quiet).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}: {err}");
            assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
            assert_eq!(listing(&root), ["r"], "{bad}: nothing else left");
        }
    }

    #[test]
    fn a_new_set_replaces_the_whole_old_one() {
        let root = dir("replace");
        let out = root.join("r");
        replace(
            &out,
            bytes(&[("a.csv", "1"), ("costs.csv", "2")]),
            manifest,
            &mut quiet,
        )
        .unwrap();
        replace(&out, bytes(&[("a.csv", "3")]), manifest, &mut quiet).unwrap();
        assert_eq!(
            listing(&out),
            ["a.csv", "manifest.json"],
            "no costs.csv left over"
        );
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "3");
        assert_eq!(
            std::fs::read_to_string(out.join("manifest.json")).unwrap(),
            r#"[("a.csv", 1)]"#
        );
        assert_eq!(listing(&root), ["r"], "no temporaries beside it");
    }

    /// A failure while writing the new set (here a file that cannot be
    /// created, as on a full disk) leaves the previous set untouched.
    #[test]
    fn a_failed_write_leaves_the_previous_set() {
        let root = dir("failed");
        let out = root.join("r");
        replace(
            &out,
            bytes(&[("a.csv", "old"), ("b.csv", "old")]),
            manifest,
            &mut quiet,
        )
        .unwrap();
        let mut files = bytes(&[("a.csv", "new")]);
        let gone = root.join("no-such-stream.jsonl");
        files.push(("b.csv".into(), Content::Move(gone)));
        let err = replace(&out, files, manifest, &mut quiet).unwrap_err();
        assert!(err.to_string().contains("no-such-stream.jsonl"), "{err}");
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
        assert_eq!(std::fs::read_to_string(out.join("b.csv")).unwrap(), "old");
        assert_eq!(listing(&root), ["r"], "the partial new set is gone");
    }

    /// Without an atomic exchange, the two renames still end with the new
    /// set in place and the old one in the staging path; when the second
    /// rename fails, the previous set is back where it was.
    #[test]
    fn the_two_rename_swap_restores_the_previous_set_on_failure() {
        let root = dir("renames");
        let (out, staging) = (root.join("r"), root.join(format!(".r{TEMP_MARK}new-1")));
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        std::fs::create_dir(&staging).unwrap();
        std::fs::write(staging.join("a.csv"), "new").unwrap();
        swap_by_renames(&staging, &out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "new");
        assert_eq!(
            std::fs::read_to_string(staging.join("a.csv")).unwrap(),
            "old"
        );

        std::fs::remove_dir_all(&staging).unwrap();
        let err = swap_by_renames(&staging, &out).unwrap_err();
        assert!(err.to_string().contains("renaming to"), "{err}");
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "new");
        assert_eq!(listing(&root), ["r"], "no old- folder left behind");
    }

    /// A folder that is not a report (a user's own files) is never replaced.
    #[test]
    fn a_folder_of_other_files_is_left_alone() {
        let root = dir("foreign");
        let out = root.join("mine");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("thesis.docx"), "precious").unwrap();
        let err = replace(&out, bytes(&[("a.csv", "1")]), manifest, &mut quiet).unwrap_err();
        assert!(err.to_string().contains("not a ccsim report"), "{err}");
        assert_eq!(listing(&out), ["thesis.docx"]);
        assert_eq!(listing(&root), ["mine"]);
    }

    /// Leftovers of killed runs are removed; a live writer's temporary is not.
    #[test]
    fn stale_temporaries_are_cleaned() {
        let root = dir("stale");
        std::fs::create_dir(root.join(".r.ccsim-new-4242")).unwrap();
        std::fs::write(root.join(".r.ccsim-new-4242/summary.csv"), "half").unwrap();
        std::fs::write(root.join("events.jsonl.ccsim-tmp-4242"), "dead").unwrap();
        let live = root.join("events.jsonl.ccsim-tmp-77");
        let held = File::create(&live).unwrap();
        held.lock().unwrap();
        replace(
            &root.join("r"),
            bytes(&[("a.csv", "1")]),
            manifest,
            &mut quiet,
        )
        .unwrap();
        let t = locked_temp(&root.join("events.jsonl")).unwrap();
        let mut names = listing(&root);
        names.retain(|n| !n.ends_with(&format!("tmp-{}", std::process::id())));
        assert_eq!(names, ["events.jsonl.ccsim-tmp-77", "r"]);
        drop(held);
        drop(t);
    }
}

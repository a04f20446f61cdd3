//! Where reports go and how every output file is written.
//!
//! [`write()`] is the one way the library and the CLI put an output on disk
//! (`--report`, saved counterexamples, hunt and sweep outputs, the files a
//! failed assertion leaves): through a fresh temporary file in the target
//! folder renamed over the target, so a reader never sees half a file, and
//! never through a symbolic link planted where the output goes (refused
//! with [`Error::Symlink`]).
//!
//! [`dir`] is where failed assertions write their reports: `$LDFI_REPORTS`
//! when set; else, in a test binary (one that cargo placed in
//! `<target>/<profile>/deps`), `<target>/ldfi-reports`, out of the source
//! tree and removed by `cargo clean`; else `reports/` under the current
//! directory, as the CLI does. What they write is
//! [`crate::render::failure`]'s.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::Error;

/// Where failed assertions write their reports (see the module doc).
pub fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os("LDFI_REPORTS").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().ok();
    let deps = exe.as_deref().and_then(Path::parent);
    if let Some(deps) = deps.filter(|d| d.file_name().is_some_and(|n| n == "deps"))
        && let Some(target) = deps.parent().and_then(Path::parent)
    {
        return target.join("ldfi-reports");
    }
    PathBuf::from("reports")
}

/// Creates the folder `dir` (and its parents) for outputs.
pub fn create_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes `contents` to `path`, atomically: into a fresh temporary file in
/// the same folder (created exclusively, so never through a link), then
/// renamed over `path`. Refuses when `path` is a symbolic link (a link
/// planted in an output folder must not redirect the write) or a folder.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), Error> {
    let io = |source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Error::Symlink {
                path: path.to_path_buf(),
            });
        }
        Ok(m) if m.is_dir() => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a folder, not a file",
            )));
        }
        _ => {}
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".ldfi-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .map_err(io)?;
    tmp.write_all(contents.as_ref()).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

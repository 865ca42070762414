//! A drop folder: the files a speech-to-text pipeline has finished writing.
//!
//! Nothing tells a reader that a writer is done with a file. Tools that read
//! such folders (rclone's `--min-age`, Syncthing's temporary names, mail
//! delivery into `tmp/` then `new/`) settle on two conventions, and veille
//! honours both: a file is left alone while its name says it is temporary,
//! and until it has not changed for a while.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::FetchError;

/// A file in the folder that looks finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedFile {
    /// The file's name, without the folder.
    pub name: String,
    /// Where to read it.
    pub path: PathBuf,
}

/// What a look at the folder found.
#[derive(Debug, Clone, Default)]
pub struct FolderListing {
    /// Finished files, by name.
    pub files: Vec<DroppedFile>,
    /// Files changed within `min_age`: still being written, perhaps.
    pub settling: Vec<String>,
}

/// Whether a name says the file is not finished (or not for us).
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || [".part", ".tmp", ".partial", ".crdownload"]
            .iter()
            .any(|suffix| name.to_ascii_lowercase().ends_with(suffix))
}

/// Lists the regular files of `folder` (not its subfolders) that are not
/// temporary and have not been modified for `min_age`.
pub fn list(folder: &Path, min_age: Duration) -> Result<FolderListing, FetchError> {
    let error = |reason: String| FetchError::File {
        path: folder.display().to_string(),
        reason,
    };
    let entries = std::fs::read_dir(folder).map_err(|err| error(err.to_string()))?;
    let now = SystemTime::now();
    let mut listing = FolderListing::default();
    for entry in entries {
        let entry = entry.map_err(|err| error(err.to_string()))?;
        let Ok(name) = entry.file_name().into_string() else {
            tracing::warn!(folder = %folder.display(), file = ?entry.file_name(), "skipping a file whose name is not UTF-8");
            continue;
        };
        if is_temporary(&name) {
            continue;
        }
        // Follows symlinks: a pipeline may link finished files in.
        let Ok(metadata) = std::fs::metadata(entry.path()) else {
            continue;
        };
        if !metadata.is_file() {
            continue;
        }
        // A modification time in the future (a clock skewed between the
        // writer and us) counts as just now.
        let age = metadata
            .modified()
            .ok()
            .map(|modified| now.duration_since(modified).unwrap_or_default());
        if age.is_some_and(|age| age < min_age) {
            listing.settling.push(name);
        } else {
            listing.files.push(DroppedFile {
                path: entry.path(),
                name,
            });
        }
    }
    listing.files.sort_by(|a, b| a.name.cmp(&b.name));
    listing.settling.sort();
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_and_recent_files_wait() {
        let folder = tempfile::tempdir().unwrap();
        let write = |name: &str| std::fs::write(folder.path().join(name), "WEBVTT\n").unwrap();
        for name in [
            "b.vtt",
            "a.srt",
            ".hidden.vtt",
            "c.vtt.part",
            "d.tmp",
            "e.vtt~",
        ] {
            write(name);
        }
        std::fs::create_dir(folder.path().join("sub")).unwrap();

        let now = list(folder.path(), Duration::from_secs(3600)).unwrap();
        assert!(now.files.is_empty());
        assert_eq!(now.settling, ["a.srt", "b.vtt"]);

        let settled = list(folder.path(), Duration::ZERO).unwrap();
        let names: Vec<_> = settled
            .files
            .iter()
            .map(|file| file.name.as_str())
            .collect();
        assert_eq!(names, ["a.srt", "b.vtt"]);

        let missing = list(&folder.path().join("nowhere"), Duration::ZERO).unwrap_err();
        assert!(missing.to_string().contains("nowhere"), "{missing}");
    }
}

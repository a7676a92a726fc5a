//! Free and total bytes of the filesystems the node writes (blobs, search index, upload spool,
//! log files), read with statvfs at each scrape: alerts want them before a write fails.

use super::Metrics;
use crate::config::Config;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A directory the node writes, by its `volume` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volume {
    Blobs,
    SearchIndex,
    Spool,
    Logs,
}

impl Volume {
    pub fn label(self) -> &'static str {
        match self {
            Volume::Blobs => "blobs",
            Volume::SearchIndex => "search_index",
            Volume::Spool => "spool",
            Volume::Logs => "logs",
        }
    }
}

/// The volumes this node has (blobs only on local storage, logs only with file logging).
#[derive(Debug, Clone, Default)]
pub struct DiskVolumes(Vec<(Volume, PathBuf)>);

impl DiskVolumes {
    pub fn new(volumes: impl IntoIterator<Item = (Volume, PathBuf)>) -> Self {
        DiskVolumes(volumes.into_iter().collect())
    }

    /// The volumes a node with this configuration writes.
    pub fn of(config: &Config) -> Self {
        let mut v = vec![(Volume::SearchIndex, config.search_index_dir()), (Volume::Spool, config.upload_spool_dir())];
        v.extend(config.local_blob_dir().map(|d| (Volume::Blobs, d)));
        if !config.log.file_dir.is_empty() {
            v.push((Volume::Logs, PathBuf::from(&config.log.file_dir)));
        }
        DiskVolumes(v)
    }

    /// Sets the disk gauges of every volume; a volume whose directory cannot be read (not made
    /// yet, say) is measured at its nearest existing parent, which is where it will be made.
    pub fn sample(&self, metrics: &Metrics) {
        for (volume, dir) in &self.0 {
            if let Some((free, size)) = nearest_existing(dir).and_then(|d| statvfs(&d)) {
                metrics.disk_free.with_label_values(&[volume.label()]).set(clamp(free));
                metrics.disk_size.with_label_values(&[volume.label()]).set(clamp(size));
            }
        }
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn nearest_existing(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|p| p.exists()).map(Path::to_path_buf)
}

/// (bytes available to unprivileged users, filesystem size).
fn statvfs(dir: &Path) -> Option<(u64, u64)> {
    let path = CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `path` is a NUL-terminated string and `st` a buffer of the right type that
    // statvfs fills on success; it is read only then.
    let rc = unsafe { libc::statvfs(path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it initialised `st`.
    let st = unsafe { st.assume_init() };
    let frsize = st.f_frsize;
    Some((st.f_bavail.saturating_mul(frsize), st.f_blocks.saturating_mul(frsize)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volume_not_made_yet_is_measured_where_it_will_be_made() -> Result<(), Box<dyn std::error::Error>> {
        let m = Metrics::new("n1")?;
        let vols = DiskVolumes::new([(Volume::Spool, std::env::temp_dir().join("veza-not-made/yet"))]);
        vols.sample(&m);
        let free = m.disk_free.with_label_values(&["spool"]).get();
        let size = m.disk_size.with_label_values(&["spool"]).get();
        assert!(size > 0 && free >= 0 && free <= size, "free {free} size {size}");
        Ok(())
    }
}

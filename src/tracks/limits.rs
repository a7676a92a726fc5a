//! The upload limits in force: an admin's (`uploads.*` runtime settings), else the config file's.

use crate::state::AppState;

#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Bytes of one track upload.
    pub max_bytes: u64,
    /// Bytes per user: tracks plus unfinished resumable uploads.
    pub quota_bytes: u64,
}

pub fn in_force(state: &AppState) -> UploadLimits {
    let (tuned, t) = (state.settings.tuned(), &state.config.tracks);
    UploadLimits {
        max_bytes: tuned.max_track_bytes.unwrap_or(t.max_upload_bytes),
        quota_bytes: tuned.quota_bytes.unwrap_or(t.quota_bytes),
    }
}

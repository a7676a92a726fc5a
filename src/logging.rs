//! Structured logs through `tracing`: JSON objects in production, human lines in development,
//! on stderr and, with `log.file_dir`, also in daily files. Every line emitted while serving a
//! request carries the request's span (hence its `request_id`) and, when traces are exported,
//! the trace and span ids (`telemetry::WithTraceIds`).

use crate::config::{LogConfig, LogFormat};
use crate::telemetry::{DispatchSlot, Tracing, WithTraceIds};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::writer::{BoxMakeWriter, MakeWriterExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, fmt};

#[derive(Debug, thiserror::Error)]
#[error("log.file_dir {dir}: {reason}")]
pub struct LogFileError {
    dir: String,
    reason: String,
}

/// Installs the global subscriber once (tests start several nodes in one process: the first
/// wins); `RUST_LOG`, when set, overrides `log.level`.
pub fn init(cfg: &LogConfig) {
    if let Err(e) = init_with(cfg, None) {
        // Without its files the command still logs, to stderr.
        let stderr_only = LogConfig { file_dir: String::new(), ..cfg.clone() };
        let _ = init_with(&stderr_only, None);
        tracing::warn!(error = %e, "log files unavailable; logging to stderr only");
    }
}

/// As `init`, with spans exported by `tracing` when given; fails only when the log directory
/// cannot be used.
pub fn init_with(cfg: &LogConfig, tracing: Option<&Tracing>) -> Result<(), LogFileError> {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| EnvFilter::try_new(s).ok())
        .or_else(|| EnvFilter::try_new(&cfg.level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let writer = match cfg.file_dir.as_str() {
        "" => BoxMakeWriter::new(std::io::stderr),
        dir => BoxMakeWriter::new(std::io::stderr.and(daily_files(dir, cfg.file_keep_days)?)),
    };
    let slot = DispatchSlot::default();
    let json = cfg.format == LogFormat::Json;
    let lines: Box<dyn Layer<Registry> + Send + Sync> = match cfg.format {
        LogFormat::Json => {
            let format = fmt::format().json().with_current_span(true).with_span_list(false).flatten_event(true);
            let inner = WithTraceIds { inner: format, slot: slot.clone(), json };
            fmt::layer().json().event_format(inner).with_writer(writer).boxed()
        }
        LogFormat::Pretty => {
            let inner = WithTraceIds { inner: fmt::format().compact(), slot: slot.clone(), json };
            fmt::layer().event_format(inner).with_writer(writer).boxed()
        }
    };
    let otel = tracing.map(|t| tracing_opentelemetry::layer().with_tracer(t.tracer()));
    // Already installed (tests start several nodes in one process): keep the first.
    let _ = Registry::default().with(lines).with(otel).with(slot).with(filter).try_init();
    Ok(())
}

/// `veza.YYYY-MM-DD.log` in `dir`, a new file each day, the oldest removed past `keep`.
fn daily_files(dir: &str, keep: usize) -> Result<RollingFileAppender, LogFileError> {
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("veza")
        .filename_suffix("log")
        .max_log_files(keep.max(1))
        .build(dir)
        .map_err(|e| LogFileError { dir: dir.to_owned(), reason: e.to_string() })
}

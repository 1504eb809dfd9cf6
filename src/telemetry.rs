//! Logging setup: tracing to stderr, as text or JSON. Lines are handed to a
//! dedicated writer thread, so a request never waits for the terminal or the log
//! collector; under a burst the writer batches lines into few writes.

use std::io::{BufWriter, IsTerminal, stderr};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{Config, LogFormat};

/// Lines waiting for the writer thread; beyond this, requests wait (no line is lost).
const BUFFERED_LINES: usize = 64 * 1024;

/// Installs the global subscriber; a second call (as in tests) is a no-op. Keep the
/// guard until exit: dropping it flushes what is still buffered.
pub fn init(config: &Config) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .lossy(false)
        .thread_name("portcullis-log")
        .finish(BufWriter::new(stderr()));
    // Colour codes only where a terminal shows them, never into a file or pipe.
    let builder = fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    guard
}

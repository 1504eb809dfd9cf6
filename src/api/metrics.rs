//! `GET /metrics`: Prometheus text exposition of what the `metrics` facade recorded.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use poem::{handler, http::StatusCode, web::WithContentType};

/// The process's one recorder: installed by the first app built in the process
/// (tests build many; they share it).
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// Installs the recorder, so metrics are counted from the start.
pub fn install() {
    if recorder().is_none() {
        tracing::warn!("another metrics recorder is installed: /metrics stays empty");
    }
}

#[handler]
pub fn metrics() -> (StatusCode, WithContentType<String>) {
    let text = recorder().map(PrometheusHandle::render).unwrap_or_default();
    (
        StatusCode::OK,
        poem::IntoResponse::with_content_type(text, "text/plain; version=0.0.4; charset=utf-8"),
    )
}

//! `GET /metrics`: Prometheus text exposition of what the `metrics` facade recorded.

use std::{sync::OnceLock, time::Duration};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poem::{
    handler,
    http::{Method, StatusCode},
    web::{Data, WithContentType},
};

use super::{documented, surfaces};
use crate::context::AppContext;

/// Latency buckets (seconds): sub-millisecond token checks up to queued hashes.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's one recorder: installed by the first app built in the process
/// (tests build many; they share it).
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// Installs the recorder, so metrics are counted from the start, and registers
/// the series operators alert on, so they read 0 rather than being absent until
/// their first event (adding 0 leaves a value another app in the process set).
pub fn install() {
    if recorder().is_none() {
        tracing::warn!("another metrics recorder is installed: /metrics stays empty");
    }
    for counter in [
        "portcullis_hashing_shed_total",
        "portcullis_login_lockouts_total",
        "portcullis_rate_limit_redis_failures_total",
    ] {
        metrics::counter!(counter).increment(0);
    }
    metrics::gauge!("portcullis_rate_limit_fallback").increment(0.0);
}

#[handler]
pub fn scrape(ctx: Data<&AppContext>) -> (StatusCode, WithContentType<String>) {
    record_pool(&ctx.db);
    let text = recorder().map(PrometheusHandle::render).unwrap_or_default();
    (
        StatusCode::OK,
        poem::IntoResponse::with_content_type(text, "text/plain; version=0.0.4; charset=utf-8"),
    )
}

/// The database pool's connections, read at scrape time.
fn record_pool(db: &sea_orm::DatabaseConnection) {
    if let Some((size, idle)) = crate::store::pool_connections(db) {
        metrics::gauge!("portcullis_db_pool_connections").set(f64::from(size));
        metrics::gauge!("portcullis_db_pool_idle_connections").set(idle as f64);
    }
}

/// The surface a path belongs to: a label with a handful of values (the API
/// surfaces by name, then `docs`, `ops` and `other`).
pub fn surface(path: &str) -> &'static str {
    const OTHERS: &[(&str, &str)] = &[
        ("/docs", "docs"),
        ("/healthz", "ops"),
        ("/readyz", "ops"),
        ("/metrics", "ops"),
    ];
    if let Some(surface) = surfaces::of_path(path) {
        return surface.name;
    }
    OTHERS
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or("other", |(_, label)| label)
}

/// The route a served request took, as its surface's document names it
/// (`/admin/users/{user_id}`), never the request's own text, so label values stay
/// bounded; the operational routes by name, and everything else one `unmatched`.
fn route(path: &str, status: StatusCode) -> &'static str {
    const OPERATIONAL: [&str; 3] = ["/healthz", "/readyz", "/metrics"];
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) {
        return "unmatched";
    }
    if let Some(template) = documented::template(path) {
        return template;
    }
    match surface(path) {
        "docs" => "/docs",
        _ => OPERATIONAL
            .into_iter()
            .find(|route| *route == path)
            .unwrap_or("unmatched"),
    }
}

/// One served request: counted, and its latency recorded.
pub fn record_request(method: &Method, path: &str, status: StatusCode, elapsed: Duration) {
    let labels = [
        ("surface", surface(path).to_owned()),
        ("method", method.as_str().to_owned()),
        ("route", route(path, status).to_owned()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("portcullis_http_requests_total", &labels).increment(1);
    if *method == Method::POST && is_registration(&labels[2].1) {
        metrics::counter!(
            "portcullis_registrations_total",
            "surface" => labels[0].1.clone(),
            "outcome" => registration_outcome(status),
        )
        .increment(1);
    }
    metrics::histogram!("portcullis_http_request_duration_seconds", &labels[..3])
        .record(elapsed.as_secs_f64());
}

/// The routes that register users, one per surface.
pub fn is_registration(route: &str) -> bool {
    matches!(
        route,
        "/sign-up" | "/api/v2/account/create" | "/api/v2/sso/signup" | "/admin/users"
    )
}

fn registration_outcome(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 | 201 => "created",
        401 | 403 => "unauthorized",
        429 => "rate_limited",
        503 => "shed",
        400..=499 => "rejected",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_have_bounded_labels() {
        let ok = StatusCode::OK;
        assert_eq!(
            route("/admin/users/0190f3a2-7c1e-7d4b-9a2e-3c5d6e7f8a9b", ok),
            "/admin/users/{user_id}"
        );
        assert_eq!(
            route(
                &format!("/admin/users/{}", "é".repeat(1000)),
                StatusCode::UNAUTHORIZED
            ),
            "/admin/users/{user_id}"
        );
        assert_eq!(route("/manage/v1/tags/42/", ok), "/manage/v1/tags/{id}");
        assert_eq!(route("/admin/whatever", StatusCode::NOT_FOUND), "unmatched");
        assert_eq!(route("/wp-login.php", ok), "unmatched");
        assert_eq!(route("/docs/account/openapi.json", ok), "/docs");
        assert_eq!(route("/metrics", ok), "/metrics");
        assert_eq!(surface("/api/v2/account/create/"), "account");
    }
}

//! The one list of the HTTP surfaces: each one's name, purpose, paths, OpenAPI
//! document, routes and error format. The router, `openapi export`, the `/docs`
//! index, the metrics labels and the HTTP layer's own answers (404, 405, 413)
//! all read it. A new surface is a folder whose `mod.rs` defines its
//! [`Surface`], and one row in [`SURFACES`].

use poem::{Response, Route, http::StatusCode};
use poem_openapi::{OpenApi, OpenApiService};

use super::{account, admin, manage, oauth, signup, sso};

pub struct Surface {
    /// `/docs/<name>/`, `openapi/<name>.json` and the metrics label.
    pub name: &'static str,
    /// What it is for, in one line (the `/docs` index).
    pub purpose: &'static str,
    /// The paths it serves start with one of these.
    pub prefixes: &'static [&'static str],
    /// Its OpenAPI document.
    pub document: fn() -> String,
    /// Mounts its operations, Swagger UI and document on the router.
    pub mount: fn(Route) -> Route,
    /// An answer of the HTTP layer (404, 405, 413) in its error format.
    pub edge_answer: fn(StatusCode, &str) -> Response,
}

pub const SURFACES: [&Surface; 6] = [
    &signup::SURFACE,
    &oauth::SURFACE,
    &manage::SURFACE,
    &admin::SURFACE,
    &account::SURFACE,
    &sso::SURFACE,
];

/// The surface a request path belongs to.
pub fn of_path(path: &str) -> Option<&'static Surface> {
    SURFACES
        .into_iter()
        .find(|surface| surface.prefixes.iter().any(|p| path.starts_with(p)))
}

/// Mounts a surface's Swagger UI at `/docs/<name>/` and, unless the surface
/// serves its own, its document at `/docs/<name>/openapi.json`.
pub fn with_docs<T: OpenApi + 'static>(
    route: Route,
    name: &str,
    service: OpenApiService<T, ()>,
    document: bool,
) -> Route {
    let route = if document {
        route.at(
            format!("/docs/{name}/openapi.json"),
            service.spec_endpoint(),
        )
    } else {
        route
    };
    route.nest(format!("/docs/{name}"), service.swagger_ui())
}

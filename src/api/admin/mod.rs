//! The admin surface (`/admin/users/...`), wire-compatible with the FastAPI app it
//! replaces: same paths, operation ids, schema names, and pydantic's validation
//! errors. A tenant admin's bearer token (or the tenant's client_credentials token
//! with `users:read` / `users:write`) names the tenant.

mod body;
mod errors;
mod params;
mod python_json;
mod requests;
mod routes;
mod types;
mod validation;

use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, http::Uri};
use poem_openapi::OpenApiService;
pub use routes::AdminApi;

pub const NAME: &str = "admin";

pub fn service() -> OpenApiService<AdminApi, ()> {
    OpenApiService::new(AdminApi, "Portcullis admin API", env!("CARGO_PKG_VERSION")).description(
        "Administer your tenant's users, compatible with clients of the FastAPI original. \
         Authenticate with a bearer token from `/oauth/token`: a tenant admin's token, or \
         the tenant's client_credentials token with `users:read` (reads) or `users:write` \
         (changes).",
    )
}

/// The FastAPI original documents `/admin/users/` and serves `/admin/users/{id}`;
/// its slash redirect makes both spellings of each work, and so do they here.
/// poem-openapi routes (and documents) paths without a trailing slash, so a
/// trailing slash is dropped before routing.
pub fn with_slash_aliases<E: IntoEndpoint>(ep: E) -> impl Endpoint
where
    E::Endpoint: 'static,
{
    ep.into_endpoint().before(|mut req: Request| async move {
        if let Some(uri) = without_trailing_slash(req.uri()) {
            *req.uri_mut() = uri;
        }
        Ok(req)
    })
}

fn without_trailing_slash(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    let trimmed = path
        .strip_suffix('/')
        .filter(|p| p.starts_with("/admin/"))?;
    let fixed = match uri.query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_owned(),
    };
    fixed.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slashes_are_dropped() {
        let fix =
            |path: &str| without_trailing_slash(&path.parse().unwrap()).map(|u| u.to_string());
        assert_eq!(fix("/admin/users/").as_deref(), Some("/admin/users"));
        assert_eq!(
            fix("/admin/users/?skip=1").as_deref(),
            Some("/admin/users?skip=1")
        );
        assert_eq!(
            fix("/admin/users/abc/").as_deref(),
            Some("/admin/users/abc")
        );
        assert_eq!(fix("/admin/users"), None);
        assert_eq!(fix("/admin/users/abc"), None);
    }
}

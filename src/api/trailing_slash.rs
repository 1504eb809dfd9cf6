//! The community API v2 and the FastAPI admin API document paths with a trailing
//! slash (`/api/v2/account/create/`, `/admin/users/`), and their clients may send
//! either spelling. poem-openapi routes (and documents) paths without it, so a
//! surface wrapped here drops a trailing slash before routing.

use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, http::Uri};

pub fn optional<E: IntoEndpoint>(ep: E) -> impl Endpoint
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
    let trimmed = uri.path().strip_suffix('/').filter(|p| !p.is_empty())?;
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
        assert_eq!(fix("/"), None);
        assert_eq!(fix("/admin/users"), None);
    }
}

//! What the surfaces' own OpenAPI documents say about a request path: the route
//! template it matches (a bounded metrics label, never the request's text) and
//! the methods it takes (the `Allow` header of 405 answers, which RFC 9110
//! section 15.5.6 requires and the router does not give).

use std::sync::LazyLock;

use poem::http::HeaderValue;
use serde_json::Value;

/// Methods in the order `Allow` lists them.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

static DOCUMENTED: LazyLock<Routes> = LazyLock::new(|| Routes::from_specs(&super::specs()));

/// The `Allow` value for a path of the API, if it is one.
pub fn allowed_methods(path: &str) -> Option<HeaderValue> {
    DOCUMENTED.lookup(path).map(|route| route.allow.clone())
}

/// The documented template a path matches, such as `/admin/users/{user_id}`.
pub fn template(path: &str) -> Option<&'static str> {
    DOCUMENTED.lookup(path).map(|route| route.template.as_str())
}

/// Each documented path template and the methods it takes.
struct Routes(Vec<Route>);

struct Route {
    template: String,
    segments: Vec<Segment>,
    allow: HeaderValue,
}

enum Segment {
    Literal(String),
    Parameter,
}

impl Routes {
    fn from_specs(specs: &[(&str, String)]) -> Self {
        let mut routes = Vec::new();
        for (_, spec) in specs {
            let Ok(doc) = serde_json::from_str::<Value>(spec) else {
                continue;
            };
            let Some(paths) = doc["paths"].as_object() else {
                continue;
            };
            for (template, item) in paths {
                let Some(operations) = item.as_object() else {
                    continue;
                };
                let takes = |method: &str| {
                    operations.contains_key(&method.to_ascii_lowercase())
                        // The router answers HEAD with the GET handler.
                        || (method == "HEAD" && operations.contains_key("get"))
                        // `/sign-up` answers CORS preflights.
                        || (method == "OPTIONS" && template == "/sign-up")
                };
                let allowed: Vec<&str> = METHODS.into_iter().filter(|m| takes(m)).collect();
                if let Ok(allow) = HeaderValue::from_str(&allowed.join(", ")) {
                    routes.push(Route {
                        template: template.clone(),
                        segments: segments(template),
                        allow,
                    });
                }
            }
        }
        Self(routes)
    }

    /// With or without one trailing slash, as the surfaces serve them.
    fn lookup(&self, path: &str) -> Option<&Route> {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let parts: Vec<&str> = path.split('/').collect();
        self.0.iter().find(|route| {
            route.segments.len() == parts.len()
                && route
                    .segments
                    .iter()
                    .zip(&parts)
                    .all(|(segment, part)| match segment {
                        Segment::Literal(literal) => literal == part,
                        Segment::Parameter => !part.is_empty(),
                    })
        })
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|part| {
            if part.starts_with('{') && part.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(part.to_owned())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{allowed_methods, template};

    #[test]
    fn every_documented_path_lists_its_methods() {
        let allow = |path: &str| allowed_methods(path).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(allow("/sign-up").as_deref(), Some("POST, OPTIONS"));
        assert_eq!(allow("/oauth/token").as_deref(), Some("POST"));
        assert_eq!(allow("/admin/users/").as_deref(), Some("GET, HEAD, POST"));
        assert_eq!(
            allow("/admin/users/3f1c2a4e-0000-0000-0000-000000000000").as_deref(),
            Some("GET, HEAD, PATCH, DELETE")
        );
        assert_eq!(allow("/manage/v1/tags/7").as_deref(), Some("PATCH, DELETE"));
        assert_eq!(allow("/manage/v1/tags/7/extra"), None);
        assert_eq!(allow("/nowhere"), None);
    }

    #[test]
    fn paths_map_to_their_templates() {
        assert_eq!(
            template(&format!("/admin/users/{}", "x".repeat(2048))),
            Some("/admin/users/{user_id}")
        );
        assert_eq!(
            template("/manage/v1/tags/42/"),
            Some("/manage/v1/tags/{id}")
        );
        assert_eq!(template("/wp-login.php"), None);
    }
}

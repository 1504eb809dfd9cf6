//! The `Allow` header of 405 answers (RFC 9110 section 15.5.6 requires it): the
//! router refuses a method a path does not take without naming the ones it does,
//! so they are read from the surfaces' own OpenAPI documents.

use std::sync::LazyLock;

use poem::http::HeaderValue;
use serde_json::Value;

/// Methods in the order `Allow` lists them.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

static DOCUMENTED: LazyLock<AllowedMethods> =
    LazyLock::new(|| AllowedMethods::from_specs(&super::specs()));

/// The `Allow` value for a path of the API, if it is one.
pub fn for_path(path: &str) -> Option<HeaderValue> {
    DOCUMENTED.lookup(path).cloned()
}

/// Each documented path template and the methods it takes.
struct AllowedMethods {
    routes: Vec<(Vec<Segment>, HeaderValue)>,
}

enum Segment {
    Literal(String),
    Parameter,
}

impl AllowedMethods {
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
                if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                    routes.push((segments(template), value));
                }
            }
        }
        Self { routes }
    }

    /// With or without one trailing slash, as the surfaces serve them.
    fn lookup(&self, path: &str) -> Option<&HeaderValue> {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let parts: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == parts.len()
                    && template
                        .iter()
                        .zip(&parts)
                        .all(|(segment, part)| match segment {
                            Segment::Literal(literal) => literal == part,
                            Segment::Parameter => !part.is_empty(),
                        })
            })
            .map(|(_, allowed)| allowed)
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
    use super::for_path;

    #[test]
    fn every_documented_path_lists_its_methods() {
        let allow = |path: &str| for_path(path).map(|v| v.to_str().unwrap().to_owned());
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
}

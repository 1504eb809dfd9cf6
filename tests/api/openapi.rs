//! The committed specs match the code, and every surface's docs are served.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

#[test]
fn committed_specs_match_the_code() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi");
    for (name, spec) in portcullis::api::specs() {
        let path = format!("{dir}/{name}.json");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == format!("{spec}\n"),
            "{path} is out of date: run `cargo run -- openapi export openapi/`"
        );
    }
}

#[tokio::test]
async fn every_surface_serves_swagger_ui_and_its_spec() {
    let app = spawn_app(Backend::Sqlite).await;
    let with_slash = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(with_slash.status(), StatusCode::OK);
    let index = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    let index = index.text().await.unwrap();
    for (name, spec) in portcullis::api::specs() {
        assert!(
            index.contains(&format!("/docs/{name}/")),
            "{name} not listed"
        );
        let ui = app
            .client
            .get(app.url(&format!("/docs/{name}/")))
            .send()
            .await
            .unwrap();
        assert_eq!(ui.status(), StatusCode::OK);
        assert!(ui.text().await.unwrap().contains("swagger-ui"));
        let served: Value = app
            .client
            .get(app.url(&format!("/docs/{name}/openapi.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(served, serde_json::from_str::<Value>(&spec).unwrap());
    }
}

/// The page a developer lands on: `/` leads to it; it has a language, a
/// heading, and each surface with its purpose, its Swagger UI and its document.
#[tokio::test]
async fn the_docs_index_introduces_every_surface() {
    let app = spawn_app(Backend::Sqlite).await;
    let home = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()["location"], "/docs/");
    let index = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    let index = index.text().await.unwrap();
    assert!(index.contains(r#"<html lang="en">"#), "{index}");
    assert!(index.contains("<h1>"), "{index}");
    for surface in portcullis::api::surfaces::SURFACES {
        let name = surface.name;
        assert!(index.contains(surface.purpose), "{name}'s purpose");
        assert!(
            index.contains(&format!(r#"href="/docs/{name}/""#)),
            "{name}"
        );
        assert!(
            index.contains(&format!(r#"href="/docs/{name}/openapi.json""#)),
            "{name}"
        );
    }
}

#[test]
fn signup_spec_documents_every_response_with_named_schemas() {
    let spec: Value = portcullis::api::specs()
        .into_iter()
        .find(|(name, _)| *name == "signup")
        .map(|(_, spec)| serde_json::from_str(&spec).unwrap())
        .unwrap();
    let operation = &spec["paths"]["/sign-up"]["post"];
    assert_eq!(operation["operationId"], "signUp");
    assert_eq!(
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SignUpRequest"
    );
    for status in ["200", "400", "401", "403", "415", "422", "500", "503"] {
        let schema = &operation["responses"][status]["content"]["application/json; charset=utf-8"]
            ["schema"]["$ref"];
        assert!(
            schema
                .as_str()
                .is_some_and(|s| s.starts_with("#/components/schemas/")),
            "{status}"
        );
    }
    let required = &spec["components"]["schemas"]["SignUpRequest"]["required"];
    assert_eq!(
        required,
        &serde_json::json!(["username", "password", "client_id"])
    );
}

/// Found by schemathesis: a 405 must name the methods the path takes (RFC 9110),
/// and the router's refusals come in the surface's own error format.
#[tokio::test]
async fn the_routers_refusals_are_in_each_surfaces_format() {
    let app = spawn_app(Backend::Sqlite).await;
    let problem = |status: u16, title: &str, detail: &str| serde_json::json!({"type": "about:blank", "title": title, "status": status, "detail": detail, "errors": []});
    let cases = [
        (
            "TRACE",
            "/oauth/token",
            Some("POST"),
            serde_json::json!({"error": "invalid_request", "error_description": "this path does not take TRACE"}),
        ),
        (
            "GET",
            "/sign-up",
            Some("POST, OPTIONS"),
            serde_json::json!({"errors": {"base": ["this path does not take GET"]}}),
        ),
        (
            "PUT",
            "/admin/users/",
            Some("GET, HEAD, POST"),
            serde_json::json!({"detail": "Method Not Allowed"}),
        ),
        (
            "GET",
            "/admin/nowhere",
            None,
            serde_json::json!({"detail": "Not Found"}),
        ),
        (
            "PUT",
            "/api/v2/account/create/",
            Some("POST"),
            problem(405, "Method Not Allowed", "this path does not take PUT"),
        ),
        (
            "GET",
            "/manage/v1/tags/1",
            Some("PATCH, DELETE"),
            problem(405, "Method Not Allowed", "this path does not take GET"),
        ),
        (
            "GET",
            "/api/v2/sso/nowhere",
            None,
            problem(404, "Not Found", "nothing is served at this path"),
        ),
        (
            "POST",
            "/.well-known/jwks.json",
            Some("GET, HEAD"),
            serde_json::json!({"error": "invalid_request", "error_description": "this path does not take POST"}),
        ),
    ];
    for (method, path, allow, body) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        let status = if allow.is_some() {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers().get("allow").map(|v| v.to_str().unwrap()),
            allow,
            "{path}"
        );
        assert_eq!(response.json::<Value>().await.unwrap(), body, "{path}");
    }
}

/// Every paging parameter of every surface states its bounds, so a generated
/// client (or a fuzzer) knows what the server takes.
#[test]
fn every_paging_parameter_states_its_bounds() {
    let mut checked = 0;
    for (name, spec) in portcullis::api::specs() {
        let doc: Value = serde_json::from_str(&spec).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    if !matches!(parameter["name"].as_str(), Some("skip" | "limit")) {
                        continue;
                    }
                    let schema = &parameter["schema"];
                    assert_eq!(schema["minimum"], 0.0, "{name} {method} {path}");
                    assert!(
                        schema["maximum"]
                            .as_f64()
                            .is_some_and(|max| max <= 2147483647.0),
                        "{name} {method} {path}: {schema}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 12, "only {checked} paging parameters");
}

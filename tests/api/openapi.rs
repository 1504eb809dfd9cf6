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

/// Found by schemathesis: a 405 must name the methods the path takes (RFC 9110).
#[tokio::test]
async fn undeclared_methods_get_405_with_allow() {
    let app = spawn_app(Backend::Sqlite).await;
    for (method, path, allow) in [
        ("TRACE", "/oauth/token", "POST"),
        ("GET", "/sign-up", "POST, OPTIONS"),
        ("PUT", "/admin/users/", "GET, HEAD, POST"),
        ("PUT", "/api/v2/account/create/", "POST"),
        ("GET", "/manage/v1/tags/1", "PATCH, DELETE"),
        ("POST", "/.well-known/jwks.json", "GET, HEAD"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(response.headers()["allow"], allow, "{path}");
    }
}

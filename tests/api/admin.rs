//! The admin surface against the recorded answers of the FastAPI original
//! (`tests/fixtures/admin-fastapi-reference.json`, copied from the shared
//! fixtures), byte for byte, and its user administration.

use reqwest::Method;
use serde_json::Value;

use crate::{
    db_test,
    helpers::{Backend, spawn_app},
    oauth::create_user,
};

const FIXTURE: &str = include_str!("../fixtures/admin-fastapi-reference.json");

/// Cases whose `request` is the raw body text, not a JSON document.
fn raw_body(case: &str) -> Option<&'static str> {
    match case {
        "json_invalid" | "json_invalid_start" | "empty_body" => Some("application/json"),
        "form_body" => Some("application/x-www-form-urlencoded"),
        _ => None,
    }
}

async fn fixture_cases_match_the_fastapi_original(backend: Backend) {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let app = spawn_app(backend).await;
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["case"].as_str().unwrap();
        // A tenant per case, as the reference ran each case on a fresh database.
        let tenant = app.create_tenant(name).await;
        let token = app.client_token(&tenant, "users:read users:write").await;
        if name == "taken" {
            create_user(&app, &tenant, "taken", vec![]).await;
        }
        let method: Method = case["method"].as_str().unwrap().parse().unwrap();
        let path = case["path"].as_str().unwrap();
        let mut request = app.client.request(method, app.url(path));
        if name != "no_token" {
            request = request.bearer_auth(&token);
        }
        request = match (raw_body(name), &case["request"]) {
            (Some(content_type), Value::String(raw)) => request
                .header("content-type", content_type)
                .body(raw.clone()),
            (_, Value::Null) => request,
            (_, body) => request.json(body),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), case["status"], "{name}");
        if let Some(headers) = case["headers"].as_object() {
            for (header, value) in headers {
                assert_eq!(
                    response.headers()[header.as_str()],
                    value.as_str().unwrap(),
                    "{name}"
                );
            }
        }
        let text = response.text().await.unwrap();
        let expected = &case["body"];
        if case["status"] == 201 {
            // Ids and times differ from run to run; everything else must match.
            let mut body: Value = serde_json::from_str(&text).unwrap();
            assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
            let created = body["created_at"].as_str().unwrap().to_owned();
            assert!(
                created.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(&created).is_ok(),
                "{created}"
            );
            body["id"] = expected["id"].clone();
            body["created_at"] = expected["created_at"].clone();
            assert_eq!(
                serde_json::to_string(&body).unwrap(),
                serde_json::to_string(expected).unwrap(),
                "{name}"
            );
        } else {
            assert_eq!(text, serde_json::to_string(expected).unwrap(), "{name}");
        }
    }
}
db_test!(fixture_cases_match_the_fastapi_original);

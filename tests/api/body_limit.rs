//! One body limit in front of every route: a larger body is refused with 413 in
//! the surface's own format, before authentication and unread, whether it
//! declares its length or streams without end.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    db_test,
    helpers::{Backend, TestApp, spawn_app},
};

/// Every surface's body-taking route, with the method it takes.
const ROUTES: [(&str, &str); 8] = [
    ("POST", "/sign-up"),
    ("POST", "/oauth/token"),
    ("POST", "/oauth/introspect"),
    ("PATCH", "/manage/v1/tenant/policy"),
    ("POST", "/manage/v1/tags"),
    ("POST", "/admin/users/"),
    ("POST", "/api/v2/account/create/"),
    ("POST", "/api/v2/sso/signup/"),
];

/// The 413 is in the surface's own error format.
fn assert_in_surface_format(path: &str, content_type: &str, body: &Value) {
    if path.starts_with("/sign-up") {
        assert!(body["errors"]["base"][0].is_string(), "{path}: {body}");
    } else if path.starts_with("/oauth") {
        assert_eq!(body["error"], "invalid_request", "{path}: {body}");
    } else if path.starts_with("/admin") {
        assert_eq!(body, &json!({"detail": "Payload Too Large"}), "{path}");
    } else {
        assert_eq!(content_type, "application/problem+json", "{path}");
        assert_eq!(body["status"], 413, "{path}: {body}");
    }
}

async fn declared_oversized_bodies_get_413_in_each_surfaces_format(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = format!("{{\"username\": \"{}\"}}", "a".repeat(1024 * 1024));
    for (method, path) in ROUTES {
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth("not.a.token")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.text().await.unwrap();
        assert_in_surface_format(path, &content_type, &serde_json::from_str(&text).unwrap());
    }
    // The service is unharmed.
    let tenant = app.create_tenant("app").await;
    assert_eq!(app.sign_up(&tenant, "after").await.status(), StatusCode::OK);
}
db_test!(declared_oversized_bodies_get_413_in_each_surfaces_format);

/// Streams a chunked body that never ends and returns the status line and body
/// of whatever the server answers; the server can answer only if it stops
/// reading at its limit.
async fn send_endless_body(app: &TestApp, method: &str, path: &str) -> (u16, Value) {
    let address = app.address.trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer not.a.token\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let flood = tokio::spawn(async move {
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "[".repeat(16 * 1024));
        // 256 MiB at most: far past any limit, and the test stops it anyway.
        for _ in 0..16 * 1024 {
            if writer.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    });
    let mut answer = Vec::new();
    let read = async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = reader.read(&mut buffer).await.unwrap_or(0);
            answer.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&answer);
            if n == 0 || (text.contains("\r\n\r\n") && text.trim_end().ends_with('}')) {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .unwrap_or_else(|_| panic!("{path}: no answer while the body streamed"));
    flood.abort();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    // A chunked answer: the JSON is between the chunk size and the end.
    let json = &body[body.find(['{', '[']).unwrap()..=body.rfind(['}', ']']).unwrap()];
    (status, serde_json::from_str(json).unwrap())
}

async fn endless_bodies_are_cut_off_at_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    for (method, path) in ROUTES {
        let (status, body) = send_endless_body(&app, method, path).await;
        assert_eq!(status, 413, "{path}: {body}");
        let content_type = if path.starts_with("/manage") || path.starts_with("/api/v2") {
            "application/problem+json"
        } else {
            ""
        };
        assert_in_surface_format(path, content_type, &body);
    }
}
db_test!(endless_bodies_are_cut_off_at_the_limit);

/// A management call with a bad token gets 401, whatever its body: the body is
/// judged only once the caller is known.
async fn bad_tokens_are_answered_before_the_body(backend: Backend) {
    let app = spawn_app(backend).await;
    for body in ["[1, 2, 3]", "{oops", "{\"public_client\": \"yes\"}"] {
        let response = app
            .client
            .patch(app.url("/manage/v1/tenant/policy"))
            .bearer_auth("not.a.token")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{body}");
    }
    let untyped = app
        .client
        .post(app.url("/api/v2/sso/signup/"))
        .bearer_auth("not.a.token")
        .header("content-type", "text/plain")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status(), StatusCode::UNAUTHORIZED);
}
db_test!(bad_tokens_are_answered_before_the_body);

/// A password far longer than any accepted is refused without a hash, so one
/// request cannot buy a long argon2 run.
async fn overlong_passwords_are_never_hashed(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    app.create_user(&tenant, "alice", vec![]).await;
    let before = app.ctx.hasher.completed();
    let (status, body) = app
        .password_grant(&tenant, "alice", &"x".repeat(50_000), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(app.ctx.hasher.completed(), before, "no hash was computed");
    // The same request with a normal wrong password is hashed.
    app.password_grant(&tenant, "alice", "wrong-password", None)
        .await;
    assert_eq!(app.ctx.hasher.completed(), before + 1);
}
db_test!(overlong_passwords_are_never_hashed);

//! The router's own refusals, a 404 for a path nothing serves and a 405 for a
//! method a path does not take, come out of poem as plain text. This answers them
//! in the error format of the surface the path belongs to, and gives a 405 the
//! `Allow` header RFC 9110 requires (found by schemathesis).

use poem::{
    Response,
    http::{Method, StatusCode, header},
};

use super::{admin, allow, metrics, oauth, problem_failure, raw_json::is_json, signup};

pub fn in_surface_format(method: &Method, path: &str, resp: Response) -> Response {
    let status = resp.status();
    let refused = matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    );
    // A handler's own 404 (an unknown user, say) is in its surface's format already.
    if !refused || resp.content_type().is_some_and(is_json) {
        return resp;
    }
    let message = if status == StatusCode::NOT_FOUND {
        "nothing is served at this path".to_owned()
    } else {
        format!("this path does not take {method}")
    };
    let mut answer = match metrics::surface(path) {
        "signup" => signup::refusal(status, &message),
        "oauth" => oauth::refusal(status, &message),
        "admin" => admin::refusal(status),
        "account" | "sso" | "manage" => problem_failure::refusal(status, &message),
        _ => resp,
    };
    if status == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allowed) = allow::for_path(path)
    {
        answer.headers_mut().insert(header::ALLOW, allowed);
    }
    answer
}

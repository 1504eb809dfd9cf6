//! The answers the HTTP layer gives itself, before or instead of a handler: the
//! router's 404 for a path nothing serves and 405 for a method a path does not
//! take (poem's own are plain text), and the body limit's 413. Each comes in the
//! error format of the surface the path belongs to; a 405 carries the `Allow`
//! header RFC 9110 requires (found by schemathesis).

use poem::{
    Response,
    http::{Method, StatusCode, header},
};

use super::{documented, json_body::is_json, surfaces};

/// An answer with `status` and `message` in the format of `path`'s surface;
/// `None` for a path outside the API surfaces.
pub fn in_surface_format(path: &str, status: StatusCode, message: &str) -> Option<Response> {
    surfaces::of_path(path).map(|surface| (surface.edge_answer)(status, message))
}

/// The router's 404 or 405 in the surface's format; any other response as it is.
pub fn unrouted(method: &Method, path: &str, resp: Response) -> Response {
    let status = resp.status();
    let unrouted = matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    );
    // A handler's own 404 (an unknown user, say) is in its surface's format already.
    if !unrouted || resp.content_type().is_some_and(is_json) {
        return resp;
    }
    let message = if status == StatusCode::NOT_FOUND {
        "nothing is served at this path".to_owned()
    } else {
        format!("this path does not take {method}")
    };
    let Some(mut answer) = in_surface_format(path, status, &message) else {
        return resp;
    };
    if status == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allowed) = documented::allowed_methods(path)
    {
        answer.headers_mut().insert(header::ALLOW, allowed);
    }
    answer
}

/// The body limit's answer: 413 in the surface's format (plain text elsewhere).
pub fn too_large(path: &str, limit: usize) -> Response {
    let message = format!("the request body is larger than {limit} bytes");
    in_surface_format(path, StatusCode::PAYLOAD_TOO_LARGE, &message).unwrap_or_else(|| {
        Response::builder()
            .status(StatusCode::PAYLOAD_TOO_LARGE)
            .content_type("text/plain; charset=utf-8")
            .body(message)
    })
}

//! CORS for the public sign-up, answering preflights with the seed's allowances. The
//! tenant's `allowed_origins` is enforced by the handler, which knows the tenant
//! and so sets `Access-Control-Allow-Origin` itself (none for a refused origin).

use std::sync::Arc;

use poem::{
    Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};

const ALLOW_METHODS: &str = "POST, PUT, DELETE, GET, OPTIONS";
const ALLOW_HEADERS: &str =
    "Origin, X-Requested-With, Content-Type, Accept, Authorization, Content-Disposition";

pub fn with_cors<E: IntoEndpoint>(ep: E) -> impl Endpoint
where
    E::Endpoint: 'static,
{
    ep.into_endpoint().around(cors)
}

async fn cors<E: Endpoint>(ep: Arc<E>, req: Request) -> Result<Response> {
    if req.method() == Method::OPTIONS {
        return Ok(Response::builder()
            .status(StatusCode::NO_CONTENT)
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
            .header(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
            .header(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS)
            .header(header::ACCESS_CONTROL_MAX_AGE, "600")
            .finish());
    }
    let mut resp = ep.get_response(req).await.into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=0, private, must-revalidate"),
    );
    Ok(resp)
}

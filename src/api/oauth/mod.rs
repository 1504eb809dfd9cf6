//! The OAuth2 surface: `/oauth/token` (RFC 6749), the JWKS and the RFC 8414
//! discovery document. Errors use RFC 6749 section 5.2.

mod client_auth;
mod errors;
use errors::edge_answer;
mod routes;
mod types;

use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, http::HeaderValue};
use poem_openapi::OpenApiService;

use super::surfaces::{self, Surface};
pub use routes::OAuthApi;

pub const NAME: &str = "oauth";

pub const SURFACE: Surface = Surface {
    name: NAME,
    purpose: "OAuth 2.0 authorization server: tokens, introspection, revocation, keys and metadata.",
    prefixes: &["/oauth/", "/.well-known/"],
    document: || service().spec(),
    mount: |route| {
        let route = route
            .nest_no_strip("/oauth", with_no_store(service()))
            .nest_no_strip("/.well-known", service());
        surfaces::with_docs(route, NAME, service(), true)
    },
    edge_answer,
};

pub fn service() -> OpenApiService<OAuthApi, ()> {
    OpenApiService::new(
        OAuthApi,
        "Portcullis OAuth 2.0 authorization server",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Tenants are OAuth2 clients. `POST /oauth/token` issues EdDSA-signed JWT \
             access tokens for the `client_credentials`, `password` and `refresh_token` \
             grants; clients authenticate with HTTP Basic (`client_secret_basic`) or form \
             fields (`client_secret_post`).",
    )
}

/// Token responses must never be cached (RFC 6749 section 5.1).
pub fn with_no_store<E: IntoEndpoint>(ep: E) -> impl Endpoint
where
    E::Endpoint: 'static,
{
    ep.into_endpoint().after(|result| async move {
        let mut resp = result.map_or_else(|err| err.into_response(), IntoResponse::into_response);
        let headers = resp.headers_mut();
        headers.insert("cache-control", HeaderValue::from_static("no-store"));
        headers.insert("pragma", HeaderValue::from_static("no-cache"));
        Ok(resp)
    })
}

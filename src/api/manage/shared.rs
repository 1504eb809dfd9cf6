//! What every resource of the management surface shares: the caller's tenant,
//! paging defaults, partial-update fields, and the answers' common variants.

use poem_openapi::types::MaybeUndefined;

use crate::{
    api::{
        bearer::{OAuth2Bearer, authorize},
        problem::ProblemJson,
        problem::errors::{Failure, from_parse_error},
    },
    context::AppContext,
    domain::{Scope, Tenant},
};

/// Page size when none is asked for (at most 1000 may be).
const DEFAULT_LIMIT: u64 = 100;

pub fn default_limit() -> u64 {
    DEFAULT_LIMIT
}

/// The tenant the caller manages (`tenant:manage`, or a tenant admin).
pub async fn managed_tenant(ctx: &AppContext, auth: &OAuth2Bearer) -> Result<Tenant, Failure> {
    Ok(authorize(ctx, auth, Scope::TenantManage).await?.1)
}

/// A partial update's field: absent leaves it, `null` removes it.
pub fn defined<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

/// An operation's answer type: its own variants, then the ones every operation
/// of the surface has (400, 401, 403, 500, 503; and 413 and 415 for those that
/// take a body).
macro_rules! reply {
    // An operation that reads a JSON body can also answer 415.
    (takes_body $name:ident { $($body:tt)* } $(, $optional:ident)*) => {
        reply!($name {
            $($body)*
            /// The body is larger than 64 KiB.
            #[oai(status = 413)]
            PayloadTooLarge(ProblemJson),
            /// The body is not `application/json`.
            #[oai(status = 415)]
            UnsupportedMediaType(ProblemJson),
        } $(, $optional)*, UnsupportedMediaType);
    };
    ($name:ident { $($body:tt)* } $(, $optional:ident)*) => {
        #[derive(Debug, poem_openapi::ApiResponse)]
        #[oai(bad_request_handler = "from_parse_error")]
        pub enum $name {
            $($body)*
            /// Invalid fields (`errors` names each), or a malformed request.
            #[oai(status = 400)]
            BadRequest(ProblemJson),
            /// Missing, invalid or expired bearer token.
            #[oai(status = 401)]
            Unauthorized(ProblemJson, #[oai(header = "WWW-Authenticate")] String),
            /// The token does not allow this operation.
            #[oai(status = 403)]
            Forbidden(ProblemJson),
            /// Unexpected failure; details are in the server's logs under the request id.
            #[oai(status = 500)]
            Internal(ProblemJson),
            /// The database cannot be reached now; retry after the given seconds.
            #[oai(status = 503)]
            Unavailable(ProblemJson, #[oai(header = "Retry-After")] u32),
        }

        $crate::api::problem::errors::problem_response!($name $(, $optional)*, Unavailable);
    };
}
pub(crate) use reply;

reply!(Deleted {
    /// Done.
    #[oai(status = 204)]
    NoContent,
    /// No such item in your tenant.
    #[oai(status = 404)]
    NotFound(ProblemJson),
}, NotFound);

/// A delete's answer: 204, or the failure (404 when the tenant has no such item).
pub async fn deleted(work: impl Future<Output = Result<(), Failure>>) -> Deleted {
    match work.await {
        Ok(()) => Deleted::NoContent,
        Err(failure) => failure.into(),
    }
}

//! `GET /manage/v1/audit-events`: the tenant's audit trail, newest first.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};

use super::shared::{default_limit, managed_tenant, reply};
use crate::{
    api::{
        bearer::OAuth2Bearer,
        problem::ProblemJson,
        problem::errors::{Failure, answer, from_parse_error},
    },
    context::AppContext,
    domain::{
        Page,
        audit::{self, Filter, Kind, Recorded},
    },
};

pub struct AuditApi;

#[OpenApi]
impl AuditApi {
    /// List audit events
    ///
    /// What changed in your tenant, who did it (`user:<id>`, `client`,
    /// `anonymous` or `cli`), through which surface and request, newest first
    /// (oldest first after `after`). Types: `user.created`, `user.updated`,
    /// `user.deleted`, `role.granted`, `invite.consumed`, `promo.redeemed`,
    /// `login.failed`, `token.issued` (a user's tokens; client_credentials
    /// tokens are not recorded), `token.revoked`, `secret.rotated`,
    /// `policy.updated`, `invite.created`, `invite.revoked`, `promo.created`,
    /// `promo.updated`, `tag.created`, `tag.renamed`, `tag.deleted`,
    /// `field.created`, `field.updated`, `field.deleted`.
    #[oai(
        path = "/manage/v1/audit-events",
        method = "get",
        operation_id = "listAuditEvents"
    )]
    // One argument per documented query parameter, as poem-openapi wants them.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        /// How many items to skip (0 to 2147483647).
        #[oai(
            default,
            validator(minimum(value = "0"), maximum(value = "2147483647"))
        )]
        skip: Query<u64>,
        /// At most this many items (0 to 1000, default 100).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "0"), maximum(value = "1000"))
        )]
        limit: Query<u64>,
        /// Only events of this type.
        #[oai(name = "type")]
        event_type: Query<Option<String>>,
        /// Only events at or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
        /// Only events before this time (RFC 3339).
        until: Query<Option<DateTime<Utc>>>,
        /// Only events after this event id, oldest first: a cursor that skips
        /// nothing (within a tenant, ids follow the order of commits).
        #[oai(validator(minimum(value = "0")))]
        after: Query<Option<i64>>,
    ) -> AuditList {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let kind = match event_type.0.as_deref() {
                    None => None,
                    Some(name) => Some(Kind::parse(name).ok_or_else(|| {
                        Failure::BadRequest(ProblemJson::new(
                            400,
                            "Bad Request",
                            format!("unknown event type `{name}`"),
                        ))
                    })?),
                };
                let filter = Filter {
                    kind,
                    since: since.0,
                    until: until.0,
                    after: after.0,
                };
                let page = Page {
                    skip: skip.0,
                    limit: limit.0,
                };
                Ok(audit::list(&ctx.db, &tenant, &filter, page).await?)
            },
            |events| AuditList::Ok(Json(events.into_iter().map(AuditEvent::from).collect())),
        )
        .await
    }
}

/// One change in the tenant, with who made it and how.
#[derive(Debug, Object)]
#[oai(rename = "AuditEvent")]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    #[oai(rename = "type")]
    pub event_type: String,
    pub actor: String,
    #[oai(nullable)]
    pub subject: Option<String>,
    pub surface: String,
    #[oai(nullable)]
    pub request_id: Option<String>,
    #[oai(nullable)]
    pub detail: Option<serde_json::Value>,
}

impl From<Recorded> for AuditEvent {
    fn from(model: Recorded) -> Self {
        Self {
            id: model.id,
            occurred_at: model.occurred_at,
            event_type: model.kind,
            actor: model.actor,
            subject: model.subject,
            surface: model.surface,
            request_id: model.request_id,
            detail: model.detail,
        }
    }
}

reply!(AuditList {
    /// The tenant's audit events, newest first.
    #[oai(status = 200)]
    Ok(Json<Vec<AuditEvent>>),
});

//! The one place where the management surface turns domain failures into problem
//! details (access errors are mapped by [`Failure`] itself).

use crate::{
    api::problem_failure::Failure,
    domain::{
        FieldError, Problem,
        tenant::{PolicyError, PolicyUpdateError},
        tenant_admin::ManageError,
    },
};

impl From<ManageError> for Failure {
    fn from(err: ManageError) -> Self {
        match err {
            ManageError::Rejected(errors) => Failure::invalid(&errors),
            ManageError::NotFound => Failure::not_found("item in your tenant"),
            ManageError::Storage(err) => Failure::storage(&err),
        }
    }
}

impl From<PolicyError> for Failure {
    fn from(err: PolicyError) -> Self {
        let field = match &err {
            PolicyError::UnknownKey(key) => {
                return Failure::invalid(&[FieldError::new(key.clone(), Problem::NotAllowed)]);
            }
            PolicyError::InvalidValue { key, .. } => key.clone(),
        };
        Failure::invalid(&[FieldError::new(field, Problem::Invalid)])
    }
}

impl From<PolicyUpdateError> for Failure {
    fn from(err: PolicyUpdateError) -> Self {
        match err {
            PolicyUpdateError::CaseRuleLocked => Failure::invalid(&[FieldError::new(
                "username_case_insensitive",
                Problem::NotAllowed,
            )]),
            PolicyUpdateError::Storage(err) => Failure::storage(&err),
        }
    }
}

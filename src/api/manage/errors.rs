//! The one place where the management surface turns domain failures into problem
//! details (access errors are mapped by [`Failure`] itself).

use crate::{
    api::{problem::ProblemJson, problem_failure::Failure},
    domain::{
        FieldError, Problem, policy_change::PolicyError, tenant::PolicyUpdateError,
        tenant_admin::ManageError,
    },
};

impl From<ManageError> for Failure {
    fn from(err: ManageError) -> Self {
        match err {
            ManageError::Rejected(errors) => Failure::invalid(&errors),
            ManageError::NotFound => Failure::not_found("item in your tenant"),
            ManageError::VersionMismatch => Failure::precondition_failed(),
            ManageError::Storage(err) => Failure::storage(&err),
        }
    }
}

impl From<PolicyError> for Failure {
    fn from(err: PolicyError) -> Self {
        let error = match &err {
            PolicyError::UnknownKey(key) => FieldError::new(key.clone(), Problem::NotAllowed),
            PolicyError::InvalidValue { key, .. } => FieldError::new(key.clone(), Problem::Invalid),
        };
        let mut failure = ProblemJson::invalid_fields(&[error]);
        // The reason is more telling than the generic wording.
        if let Some(problem) = failure.0.errors.first_mut() {
            problem.detail = err.to_string();
        }
        Failure::BadRequest(failure)
    }
}

impl From<PolicyUpdateError> for Failure {
    fn from(err: PolicyUpdateError) -> Self {
        match err {
            PolicyUpdateError::CaseRuleLocked => Failure::invalid(&[FieldError::new(
                "username_case_insensitive",
                Problem::NotAllowed,
            )]),
            PolicyUpdateError::VersionMismatch => Failure::precondition_failed(),
            PolicyUpdateError::NotFound => Failure::not_found("tenant"),
            PolicyUpdateError::Invalid(err) => err.into(),
            PolicyUpdateError::Storage(err) => Failure::storage(&err),
        }
    }
}

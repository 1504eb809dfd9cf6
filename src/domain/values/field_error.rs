//! What is wrong with one input field, independent of any surface's wording.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the surface's request calls it (a tenant's custom
    /// field names are not known in advance).
    pub field: Cow<'static, str>,
    pub problem: Problem,
    /// Why, in words, where the problem's kind says too little (a policy key's
    /// rule); it replaces the plain wording.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Absent, empty or only whitespace.
    Blank,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// Characters or shape the field does not allow.
    Invalid,
    /// A password with fewer character classes than the policy asks for.
    TooWeak {
        min_classes: u8,
    },
    /// Another user of the tenant already has this value.
    Taken,
    /// The tenant requires this field.
    Required,
    /// The field is not accepted here (unknown, or a feature the tenant has off).
    NotAllowed,
    /// A code that is used up, expired, revoked or outside its validity window.
    Expired,
}

impl FieldError {
    pub fn new(field: impl Into<Cow<'static, str>>, problem: Problem) -> Self {
        Self {
            field: field.into(),
            problem,
            reason: None,
        }
    }

    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// Plain wording for operators (the CLI); each HTTP surface words problems its own way.
impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = &self.field;
        if let Some(reason) = &self.reason {
            return f.write_str(reason);
        }
        match &self.problem {
            Problem::Blank => write!(f, "{field} must not be blank"),
            Problem::TooShort { min } => write!(f, "{field} needs at least {min} characters"),
            Problem::TooLong { max } => write!(f, "{field} allows at most {max} characters"),
            Problem::Invalid => write!(f, "{field} is invalid"),
            Problem::TooWeak { min_classes } => write!(
                f,
                "{field} needs {min_classes} of: lowercase, uppercase, digits, symbols"
            ),
            Problem::Taken => write!(f, "{field} is already taken"),
            Problem::Required => write!(f, "{field} is required"),
            Problem::NotAllowed => write!(f, "{field} is not allowed"),
            Problem::Expired => write!(f, "{field} is no longer valid"),
        }
    }
}

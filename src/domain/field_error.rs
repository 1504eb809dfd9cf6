//! What is wrong with one input field, independent of any surface's wording.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the surface's request calls it.
    pub field: &'static str,
    pub problem: Problem,
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
}

impl FieldError {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

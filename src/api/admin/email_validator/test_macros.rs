//! The macros of the table-driven tests (tests only): each entry gives an
//! input and what `validate` must answer for it.

/// `input => reason`: what pydantic 2.14.3 with email-validator 2.4.0 and
/// idna 3.20 answers (the text after "value is not a valid email
/// address: "), as produced by the Python libraries.
macro_rules! reason_tests {
    ($($name:ident: $input:expr => $reason:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let input: &str = $input;
                assert_eq!($crate::api::admin::email_validator::validate(input), Err($reason.to_owned()));
            }
        )*
    };
}

/// `input => normalized address`
macro_rules! valid_tests {
    ($($name:ident: $input:expr => $normalized:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let input: &str = $input;
                assert_eq!($crate::api::admin::email_validator::validate(input), Ok($normalized.to_owned()));
            }
        )*
    };
}

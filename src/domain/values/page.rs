//! Which slice of a list a caller asks for.

/// A page of items, oldest first.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub skip: u64,
    pub limit: u64,
}

//! The time source, passed in so expiry and timestamps are testable.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// The system time plus an offset the caller can move (tests of expiry).
    pub fn offset(seconds: Arc<AtomicI64>) -> Self {
        Self(Arc::new(move || {
            Utc::now() + chrono::Duration::seconds(seconds.load(Ordering::Relaxed))
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Clock").field(&self.now()).finish()
    }
}

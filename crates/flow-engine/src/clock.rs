//! Time, injected: the system clock in production, a manual clock in tests.

use std::future::Future;
use std::pin::Pin;

use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// Completes once `now() >= deadline`.
    fn sleep_until(&self, deadline: OffsetDateTime) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

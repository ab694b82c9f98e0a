//! Time, injected: the system clock in production, a manual clock in tests.

use std::future::Future;
use std::pin::Pin;

use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// Completes once `now() >= deadline`.
    fn sleep_until(&self, deadline: OffsetDateTime) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// The wall clock; sleeps are tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn sleep_until(&self, deadline: OffsetDateTime) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let wait = deadline - OffsetDateTime::now_utc();
        Box::pin(async move {
            if wait.is_positive() {
                tokio::time::sleep(wait.unsigned_abs()).await;
            }
        })
    }
}

/// A clock that only moves when told: [`ManualClock::advance`] / [`ManualClock::set`], or, in
/// `instant` mode, whenever somebody sleeps (the sleep completes at once and the clock jumps
/// to its deadline). Tests never sleep for real.
#[derive(Clone)]
pub struct ManualClock {
    now: std::sync::Arc<tokio::sync::watch::Sender<OffsetDateTime>>,
    sleepers: std::sync::Arc<std::sync::Mutex<Vec<OffsetDateTime>>>,
    instant: bool,
}

impl ManualClock {
    /// A clock standing at `start` until advanced.
    pub fn new(start: OffsetDateTime) -> ManualClock {
        ManualClock {
            now: std::sync::Arc::new(tokio::sync::watch::channel(start).0),
            sleepers: Default::default(),
            instant: false,
        }
    }

    /// A clock whose sleeps complete at once, jumping time forward to their deadline.
    pub fn instant(start: OffsetDateTime) -> ManualClock {
        ManualClock {
            instant: true,
            ..ManualClock::new(start)
        }
    }

    pub fn set(&self, to: OffsetDateTime) {
        self.now.send_modify(|now| *now = (*now).max(to));
    }

    pub fn advance(&self, by: time::Duration) {
        self.now.send_modify(|now| *now += by);
    }

    /// The earliest deadline somebody is sleeping until, if any.
    pub fn next_deadline(&self) -> Option<OffsetDateTime> {
        let now = *self.now.borrow();
        self.sleepers
            .lock()
            .expect("clock lock")
            .iter()
            .copied()
            .filter(|d| *d > now)
            .min()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.borrow()
    }

    fn sleep_until(&self, deadline: OffsetDateTime) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        if self.instant {
            self.set(deadline);
            return Box::pin(std::future::ready(()));
        }
        let mut receiver = self.now.subscribe();
        let sleepers = self.sleepers.clone();
        sleepers.lock().expect("clock lock").push(deadline);
        Box::pin(async move {
            while *receiver.borrow_and_update() < deadline {
                if receiver.changed().await.is_err() {
                    break;
                }
            }
            let mut sleepers = sleepers.lock().expect("clock lock");
            if let Some(at) = sleepers.iter().position(|d| *d == deadline) {
                sleepers.remove(at);
            }
        })
    }
}

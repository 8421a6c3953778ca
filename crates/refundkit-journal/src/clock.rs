//! Where the journal's time comes from: [`SystemClock`] in a service, a clock of the test's
//! own in a test. The one place this crate reads the time.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

/// A future that can be sent between threads, boxed: what [`Clock::sleep`] and
/// [`crate::worker::Transport::send`] return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the time comes from.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> SystemTime;
    /// Waits `duration` (never blocking a thread: a runtime's timer, or a test's own).
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The system's clock and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

//! Progress reports and cancellation for long operations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// How far a long operation has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Records processed so far.
    pub done: u64,
    /// Records to process in all.
    pub total: u64,
}

/// A cancellation flag shared between the caller and a running operation. Cancelling
/// makes the operation roll back its transaction and return [`crate::Error::Cancelled`].
/// An operation waiting for a key derivation stops waiting at once (the derivation
/// cannot be interrupted: it finishes in the background and its key is wiped).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<Flag>);

#[derive(Debug, Default)]
struct Flag {
    set: AtomicBool,
    /// Wakes the tasks waiting in [`Cancel::cancelled`].
    wake: Notify,
}

impl Cancel {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the operation to stop.
    pub fn cancel(&self) {
        self.0.set.store(true, Ordering::SeqCst);
        self.0.wake.notify_waiters();
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.set.load(Ordering::SeqCst)
    }

    /// Completes once cancellation is asked for (at once if it was already).
    pub(crate) async fn cancelled(&self) {
        loop {
            let notified = self.0.wake.notified();
            tokio::pin!(notified);
            // Registered before the check, so a `cancel` between the two still wakes us.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

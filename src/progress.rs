//! Progress reports and cancellation for long operations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the operation to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

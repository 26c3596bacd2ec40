//! A desktop notification when records expire, or enter the "expires soon" window, while
//! the app runs (the `expiryAlerts` setting, on by default). It gives counts only: a label
//! could show on a locked screen, so none is named.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;
use vaultstore::{DeletedFilter, ExpiryFilter, RecordQuery, Store};

use crate::state::AppState;

/// How often the vault is looked at; a crossing is told at most this late.
const CHECK_EVERY: Duration = Duration::from_secs(5 * 60);
/// Debug builds only (the ones tests drive): seconds between looks, so a test's records
/// cross while it waits.
const TEST_CHECK_EVERY: &str = "VAULTSTORE_E2E_ALERT_SECONDS";

/// What crossed a line between two looks at the vault (the Trash left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crossings {
    /// Expiry in (since, now]: expired meanwhile.
    pub expired: u64,
    /// Expiry in (since + soon, now + soon]: now expires soon, and did not before.
    pub entered: u64,
}

impl Crossings {
    /// The notification's text, or `None` when nothing crossed.
    pub fn message(&self, soon_days: u32) -> Option<String> {
        let records = |n: u64| format!("{n} record{}", if n == 1 { "" } else { "s" });
        let days = format!("{soon_days} day{}", if soon_days == 1 { "" } else { "s" });
        let what = match (self.expired, self.entered) {
            (0, 0) => return None,
            (e, 0) => format!("{} expired.", records(e)),
            (0, n) => format!("{} now expire{} within {days}.", records(n), verb(n)),
            (e, n) => format!(
                "{} expired and {} now expire{} within {days}.",
                records(e),
                records(n),
                verb(n)
            ),
        };
        Some(format!("{what} Open VaultStore to renew them."))
    }
}

fn verb(n: u64) -> &'static str {
    if n == 1 { "s" } else { "" }
}

/// Counts what crossed between `since` and now, `soon` being the "expires soon" window.
pub async fn crossings(
    store: &Store,
    since: DateTime<Utc>,
    soon: chrono::Duration,
) -> vaultstore::Result<Crossings> {
    let now = Utc::now();
    let live = || RecordQuery::new().deleted(DeletedFilter::Exclude);
    let elapsed = (now - since).max(chrono::Duration::zero());
    let expired = store
        .records_count(&live().expiry(ExpiryFilter::ExpiredWithin(elapsed)))
        .await?;
    // Not yet expired and due by `t`: the difference is what entered the window.
    let due_by = |t| live().expiry(ExpiryFilter::ExpiringBefore(t));
    let now_due = store.records_count(&due_by(now + soon)).await?;
    let due_before = store.records_count(&due_by(since + soon)).await?;
    Ok(Crossings {
        expired,
        entered: now_due.saturating_sub(due_before),
    })
}

fn check_every() -> Duration {
    if cfg!(debug_assertions)
        && let Some(secs) = std::env::var(TEST_CHECK_EVERY)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
    {
        return Duration::from_secs(secs.max(1));
    }
    CHECK_EVERY
}

/// Looks at the vault every few minutes while the app runs and notifies what crossed
/// since the last look. A failed look is retried over the same span at the next one.
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(check_every());
        // After a sleep the missed looks are one, not a burst.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is at once
        let mut since = Utc::now();
        loop {
            tick.tick().await;
            let state = app.state::<AppState>();
            let settings = state.settings();
            if !settings.expiry_alerts {
                since = Utc::now();
                continue;
            }
            let soon = chrono::Duration::days(i64::from(settings.expiring_soon_days));
            let looked_at = Utc::now();
            match crossings(&state.store, since, soon).await {
                Ok(c) => {
                    since = looked_at;
                    if let Some(text) = c.message(settings.expiring_soon_days) {
                        notify(&app, &text);
                    }
                }
                Err(e) => tracing::warn!("expiry alerts: could not count the vault: {e}"),
            }
        }
    });
}

fn notify(app: &AppHandle, text: &str) {
    let shown = app
        .notification()
        .builder()
        .title("VaultStore: records expiring")
        .body(text)
        .show();
    if let Err(e) = shown {
        tracing::warn!("expiry alerts: the desktop did not take the notification: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notification_counts_what_crossed_in_words() {
        let said = |expired, entered, days| Crossings { expired, entered }.message(days);
        assert_eq!(said(0, 0, 7), None);
        assert_eq!(
            said(1, 0, 7).as_deref(),
            Some("1 record expired. Open VaultStore to renew them.")
        );
        assert_eq!(
            said(0, 1, 1).as_deref(),
            Some("1 record now expires within 1 day. Open VaultStore to renew them.")
        );
        assert_eq!(
            said(2, 3, 7).as_deref(),
            Some(
                "2 records expired and 3 records now expire within 7 days. Open VaultStore to renew them."
            )
        );
    }
}

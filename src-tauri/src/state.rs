//! The app's state: the store (its pool is shareable, so no lock around it) and small
//! mutable pieces behind short-lived std locks that are never held across an `.await`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use vaultstore::{Cancel, SessionKey, Store};

use crate::errors::{ErrorCode, ErrorDto};
use crate::settings::Settings;

/// What this session has opened: for each revealed record, the handle of the key that
/// opened it (never the password: a memory dump of an unlocked app yields keys for the
/// salts opened, not a password to reuse elsewhere), so a second reveal does not ask
/// again. Forgotten on lock and idle timeout, together with the store's derived keys.
struct Session {
    last_activity: Activity,
    opened: HashMap<String, SessionKey>,
    /// The vault was locked by a command arriving after the idle limit (a laptop that
    /// woke up): the idle task still owes the window its "locked" event.
    locked_on_wake: bool,
}

/// When the user last did something, on two clocks. The monotonic clock stops while the
/// machine sleeps (CLOCK_MONOTONIC on Linux) and the wall clock does not, so idle time
/// is the larger of the two: a laptop that wakes past the idle limit is locked.
#[derive(Debug, Clone, Copy)]
struct Activity {
    mono: Instant,
    wall: SystemTime,
}

impl Activity {
    fn now() -> Self {
        Self {
            mono: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    fn idle_at(&self, mono: Instant, wall: SystemTime) -> Duration {
        let asleep_too = wall.duration_since(self.wall).unwrap_or_default();
        mono.saturating_duration_since(self.mono).max(asleep_too)
    }
}

pub struct AppState {
    pub store: Store,
    /// The database, for the title bar (no password in it).
    pub database: String,
    session: Mutex<Session>,
    settings: Mutex<Settings>,
    settings_path: PathBuf,
    operation: Mutex<Option<Cancel>>,
    /// The app's latest copy on the clipboard (a mark, not the value).
    pub copies: crate::clipboard::Copies,
    /// The bundle chosen for import, between preview and import.
    pending_import: Mutex<Option<std::sync::Arc<Vec<u8>>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn new(store: Store, database: String, settings_path: PathBuf) -> Self {
        Self {
            store,
            database,
            session: Mutex::new(Session {
                last_activity: Activity::now(),
                opened: HashMap::new(),
                locked_on_wake: false,
            }),
            settings: Mutex::new(Settings::load(&settings_path)),
            settings_path,
            operation: Mutex::new(None),
            copies: crate::clipboard::Copies::default(),
            pending_import: Mutex::new(None),
        }
    }

    /// Notes user activity (every command does), postponing the idle lock. Activity that
    /// arrives after the idle limit (the machine slept, the idle task has not run yet)
    /// locks the vault first, so the command finds nothing open.
    pub fn touch(&self) {
        let limit = self.idle_limit();
        if self.idle_for() >= limit && self.lock_vault() {
            lock(&self.session).locked_on_wake = true;
        }
        lock(&self.session).last_activity = Activity::now();
    }

    pub fn idle_for(&self) -> Duration {
        lock(&self.session)
            .last_activity
            .idle_at(Instant::now(), SystemTime::now())
    }

    pub fn idle_limit(&self) -> Duration {
        Duration::from_secs(u64::from(self.settings().idle_lock_minutes) * 60)
    }

    /// Whether `touch` locked the vault since the last call (the window is told).
    pub fn take_locked_on_wake(&self) -> bool {
        std::mem::take(&mut lock(&self.session).locked_on_wake)
    }

    pub fn remember(&self, token: &str, key: SessionKey) {
        lock(&self.session).opened.insert(token.to_owned(), key);
    }

    pub fn forget(&self, token: &str) {
        lock(&self.session).opened.remove(token);
    }

    pub fn is_open(&self, token: &str) -> bool {
        lock(&self.session).opened.contains_key(token)
    }

    /// The key remembered for `token`, if it was opened this session.
    pub fn key_for(&self, token: &str) -> Option<SessionKey> {
        lock(&self.session).opened.get(token).copied()
    }

    /// Forgets every opened password and derived key. Returns whether anything was open.
    pub fn lock_vault(&self) -> bool {
        let had = {
            let mut s = lock(&self.session);
            let had = !s.opened.is_empty();
            s.opened.clear();
            had
        };
        self.store.lock();
        had
    }

    /// The platform said the machine sleeps or the screen locked: locks if the "lock on
    /// sleep" setting is on now. Returns whether anything was open (the window is told),
    /// as [`AppState::lock_vault`] does.
    pub fn lock_on_sleep(&self) -> bool {
        self.settings().lock_on_sleep && self.lock_vault()
    }

    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    pub fn set_settings(&self, new: Settings) -> Result<(), ErrorDto> {
        new.validate()?;
        new.save(&self.settings_path)?;
        *lock(&self.settings) = new;
        Ok(())
    }

    /// Registers a long operation; only one runs at a time. The operation ends when the
    /// returned guard is dropped, on every path out of the command (`?` included).
    pub fn begin_operation(&self) -> Result<Operation<'_>, ErrorDto> {
        let mut op = lock(&self.operation);
        if op.is_some() {
            return Err(ErrorDto::new(
                ErrorCode::Busy,
                "another long operation is running; wait for it or cancel it",
            ));
        }
        let cancel = Cancel::new();
        *op = Some(cancel.clone());
        Ok(Operation {
            slot: &self.operation,
            cancel,
        })
    }

    pub fn set_pending_import(&self, bytes: Option<Vec<u8>>) {
        *lock(&self.pending_import) = bytes.map(std::sync::Arc::new);
    }

    pub fn pending_import(&self) -> Result<std::sync::Arc<Vec<u8>>, ErrorDto> {
        lock(&self.pending_import)
            .clone()
            .ok_or_else(|| ErrorDto::invalid("file", "choose a bundle to import first"))
    }

    pub fn cancel_operation(&self) -> bool {
        match &*lock(&self.operation) {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }
}

/// The running long operation: `cancel_operation` reaches it through [`Operation::cancel`];
/// dropping it ends the operation, so an early return can never leave the app "busy".
pub struct Operation<'a> {
    slot: &'a Mutex<Option<Cancel>>,
    cancel: Cancel,
}

impl Operation<'_> {
    pub fn cancel(&self) -> &Cancel {
        &self.cancel
    }
}

impl Drop for Operation<'_> {
    fn drop(&mut self) {
        *lock(self.slot) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_time_counts_the_time_the_machine_slept() {
        let then = Activity::now();
        let hour = Duration::from_secs(3600);
        // Asleep for an hour: the monotonic clock moved a second, the wall clock an hour.
        let idle = then.idle_at(then.mono + Duration::from_secs(1), then.wall + hour);
        assert_eq!(idle, hour);
        // A wall clock set back never makes the user less idle than the monotonic clock.
        let idle = then.idle_at(then.mono + hour, then.wall - hour);
        assert_eq!(idle, hour);
    }

    #[tokio::test]
    async fn a_command_after_the_idle_limit_finds_the_vault_locked() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("vault.db").display());
        let mut options = vaultstore::StoreOptions::new(&url);
        options.kdf = Some(vaultstore::KdfParams::MINIMUM);
        let store = Store::new(options).await.unwrap();
        let password = vaultstore::Password::new("idle-test-password-1");
        let value = vaultstore::SecretValue::new("v");
        let token = store
            .token_create(&value, &password, vaultstore::CreateOptions::default())
            .await
            .unwrap();
        let state = AppState::new(store, url, dir.path().join("settings.json"));
        state.remember(&token, state.store.session_key(&password));
        // The machine slept past the limit before the idle task could run.
        lock(&state.session).last_activity.wall -= state.idle_limit() * 2;
        state.touch();
        assert!(
            !state.is_open(&token),
            "the waking command must find the record closed"
        );
        assert!(
            state.take_locked_on_wake(),
            "and the window is told it locked"
        );
    }
}

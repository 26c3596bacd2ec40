//! The app's state: the store (its pool is shareable, so no lock around it) and small
//! mutable pieces behind short-lived std locks that are never held across an `.await`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vaultstore::{Cancel, SessionKey, Store};

use crate::errors::{ErrorCode, ErrorDto};
use crate::settings::Settings;

/// What this session has opened: for each revealed record, the handle of the key that
/// opened it (never the password: a memory dump of an unlocked app yields keys for the
/// salts opened, not a password to reuse elsewhere), so a second reveal does not ask
/// again. Forgotten on lock and idle timeout, together with the store's derived keys.
struct Session {
    last_activity: Instant,
    opened: HashMap<String, SessionKey>,
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
                last_activity: Instant::now(),
                opened: HashMap::new(),
            }),
            settings: Mutex::new(Settings::load(&settings_path)),
            settings_path,
            operation: Mutex::new(None),
            copies: crate::clipboard::Copies::default(),
            pending_import: Mutex::new(None),
        }
    }

    /// Notes user activity (every command does), postponing the idle lock.
    pub fn touch(&self) {
        lock(&self.session).last_activity = Instant::now();
    }

    pub fn idle_for(&self) -> Duration {
        lock(&self.session).last_activity.elapsed()
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

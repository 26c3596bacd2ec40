//! The app's state: the store (its pool is shareable, so no lock around it) and small
//! mutable pieces behind short-lived std locks that are never held across an `.await`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use vaultstore::{Cancel, SessionKey, Store};

use crate::errors::{ErrorCode, ErrorDto};
use crate::import_commands::ImportSource;
use crate::settings::{GeneratorOptions, SavedView, Settings};

/// What this session has opened: for each revealed record, the handle of the key that
/// opened it (never the password: a memory dump of an unlocked app yields keys for the
/// salts opened, not a password to reuse elsewhere), so a second reveal does not ask
/// again. Forgotten on lock and idle timeout, together with the store's derived keys.
struct Session {
    last_activity: Activity,
    opened: Opened,
    /// The vault was locked by a command arriving after the idle limit (a laptop that
    /// woke up): the idle task still owes the window its "locked" event.
    locked_on_wake: bool,
    /// This idle spell's lock is done (and the window told); activity ends the spell.
    idle_locked: bool,
}

/// The opened records' key handles, at most `max` (the `remembered_keys` setting, the
/// store's key-cache bound too), the least recently used forgotten first.
struct Opened {
    keys: HashMap<String, (SessionKey, u64)>,
    clock: u64,
    max: usize,
}

impl Opened {
    fn new(max: usize) -> Self {
        Self {
            keys: HashMap::new(),
            clock: 0,
            max: max.max(1),
        }
    }

    fn insert(&mut self, token: &str, key: SessionKey) {
        self.clock += 1;
        self.keys.insert(token.to_owned(), (key, self.clock));
        self.shrink_to(self.max);
    }

    fn get(&mut self, token: &str) -> Option<SessionKey> {
        self.clock += 1;
        let (key, used) = self.keys.get_mut(token)?;
        *used = self.clock;
        Some(*key)
    }

    fn set_max(&mut self, max: usize) {
        self.max = max.max(1);
        self.shrink_to(self.max);
    }

    fn shrink_to(&mut self, len: usize) {
        while self.keys.len() > len {
            let oldest = self
                .keys
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(token, _)| token.clone());
            match oldest {
                Some(token) => self.keys.remove(&token),
                None => break,
            };
        }
    }
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

/// A chosen file's bytes, wiped when the last holder drops them.
pub type PendingBytes = std::sync::Arc<zeroize::Zeroizing<Vec<u8>>>;

/// The file chosen for an import and what it is.
pub struct PendingImport {
    pub source: ImportSource,
    pub bytes: PendingBytes,
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
    /// The keys that seal secrets on the IPC; dropped on Lock.
    pub sealed: crate::sealed_ipc::SealedIpc,
    /// The file chosen for import, between preview and import. A foreign export holds
    /// passwords in plain text: the bytes are wiped when dropped, and Lock drops them.
    pending_import: Mutex<Option<PendingImport>>,
}

/// The `remembered_keys` setting as a bound (validated 1..=1024, so it always fits).
fn remembered_keys(settings: &Settings) -> usize {
    usize::try_from(settings.remembered_keys).unwrap_or(vaultstore::DEFAULT_MAX_CACHED_KEYS)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// The app's state over `store`, with the settings read from `settings_path`; the
    /// store's key-cache bound follows `remembered_keys` (main.rs also opens the store
    /// with it).
    pub fn new(store: Store, database: String, settings_path: PathBuf) -> Self {
        let settings = Settings::load(&settings_path);
        let remembered = remembered_keys(&settings);
        // `load` validated the setting, so the store accepts it; were it refused, the
        // store would keep the bound it was opened with.
        let _ = store.set_max_cached_keys(remembered);
        Self {
            store,
            database,
            session: Mutex::new(Session {
                last_activity: Activity::now(),
                opened: Opened::new(remembered),
                locked_on_wake: false,
                idle_locked: false,
            }),
            settings: Mutex::new(settings),
            settings_path,
            operation: Mutex::new(None),
            copies: crate::clipboard::Copies::default(),
            sealed: crate::sealed_ipc::SealedIpc::default(),
            pending_import: Mutex::new(None),
        }
    }

    /// Notes user activity (every command does), postponing the idle lock. Activity that
    /// arrives after the idle limit (the machine slept, the idle task has not run yet)
    /// locks the vault first, so the command finds nothing open.
    pub fn touch(&self) {
        if self.lock_if_idle() {
            lock(&self.session).locked_on_wake = true;
        }
        let mut s = lock(&self.session);
        s.last_activity = Activity::now();
        s.idle_locked = false;
    }

    /// Locks once per idle spell past the limit, whether or not anything was open: the
    /// window holds what was typed (a value in New record, a generated password, an
    /// import's file chosen) and must be told. Returns whether it locked now.
    pub fn lock_if_idle(&self) -> bool {
        let limit = self.idle_limit();
        let due = {
            let mut s = lock(&self.session);
            let due = !s.idle_locked
                && s.last_activity.idle_at(Instant::now(), SystemTime::now()) >= limit;
            s.idle_locked |= due;
            due
        };
        if due {
            self.lock_vault();
        }
        due
    }

    pub fn idle_limit(&self) -> Duration {
        Duration::from_secs(u64::from(self.settings().idle_lock_minutes) * 60)
    }

    /// Whether `touch` locked the vault since the last call (the window is told).
    pub fn take_locked_on_wake(&self) -> bool {
        std::mem::take(&mut lock(&self.session).locked_on_wake)
    }

    pub fn remember(&self, token: &str, key: SessionKey) {
        lock(&self.session).opened.insert(token, key);
    }

    pub fn forget(&self, token: &str) {
        lock(&self.session).opened.keys.remove(token);
    }

    /// Forgets the keys of opened records that no longer exist (deleted for good by a
    /// bulk change or the Trash retention), as deleting one record does; otherwise a
    /// key would outlive its record until Lock. Reads at most the remembered few.
    pub async fn forget_deleted(&self) -> vaultstore::Result<()> {
        let opened: Vec<String> = lock(&self.session).opened.keys.keys().cloned().collect();
        for chunk in opened.chunks(vaultstore::query::MAX_IN_LIST) {
            let query = vaultstore::RecordQuery::new()
                .token_in(chunk.iter().cloned())
                .deleted(vaultstore::DeletedFilter::Include)
                .limit(u32::try_from(chunk.len()).unwrap_or(u32::MAX));
            let page = self.store.records_list(&query).await?;
            let existing: std::collections::HashSet<String> =
                page.records.into_iter().map(|r| r.token).collect();
            for token in chunk.iter().filter(|t| !existing.contains(*t)) {
                self.forget(token);
            }
        }
        Ok(())
    }

    pub fn is_open(&self, token: &str) -> bool {
        lock(&self.session).opened.keys.contains_key(token)
    }

    /// The key remembered for `token`, if it was opened this session.
    pub fn key_for(&self, token: &str) -> Option<SessionKey> {
        lock(&self.session).opened.get(token)
    }

    /// Forgets every opened password and derived key. Returns whether anything was open.
    pub fn lock_vault(&self) -> bool {
        let had = {
            let mut s = lock(&self.session);
            let had = !s.opened.keys.is_empty();
            s.opened.keys.clear();
            had
        };
        self.store.lock();
        self.sealed.close();
        // Another manager's export holds passwords in plain text; a bundle holds none.
        let mut pending = lock(&self.pending_import);
        if pending
            .as_ref()
            .is_some_and(|p| p.source != ImportSource::Bundle)
        {
            *pending = None;
        }
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

    /// Validates, saves and applies new settings; a lower `remembered_keys` forgets the
    /// least recently used opened records and derived keys beyond it at once. The
    /// remembered view is kept as it is: the table
    /// changes it (`set_view`), not the settings dialog.
    pub fn set_settings(&self, mut new: Settings) -> Result<(), ErrorDto> {
        new.validate()?;
        {
            // Held across the save so a view saved meanwhile is neither lost nor undone.
            let mut current = lock(&self.settings);
            new.view = current.view;
            new.generator = current.generator;
            new.save(&self.settings_path)?;
            *current = new;
        }
        let remembered = remembered_keys(&new);
        self.store.set_max_cached_keys(remembered)?;
        lock(&self.session).opened.set_max(remembered);
        Ok(())
    }

    /// Remembers the table's view, filters and sort across restarts.
    pub fn set_view(&self, view: SavedView) -> Result<(), ErrorDto> {
        view.validate()?;
        let mut current = lock(&self.settings);
        let new = Settings { view, ..*current };
        new.save(&self.settings_path)?;
        *current = new;
        Ok(())
    }

    /// Remembers the password generator's options across restarts.
    pub fn set_generator(&self, generator: GeneratorOptions) -> Result<(), ErrorDto> {
        generator.validate()?;
        let mut current = lock(&self.settings);
        let new = Settings {
            generator,
            ..*current
        };
        new.save(&self.settings_path)?;
        *current = new;
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

    pub fn set_pending_import(&self, pending: Option<PendingImport>) {
        *lock(&self.pending_import) = pending;
    }

    /// The bytes of the file chosen for an import from `source`.
    pub fn pending_import(&self, source: ImportSource) -> Result<PendingBytes, ErrorDto> {
        match &*lock(&self.pending_import) {
            Some(p) if p.source == source => Ok(p.bytes.clone()),
            _ => Err(ErrorDto::invalid(
                "file",
                format!("choose a {} file to import first", source.describe()),
            )),
        }
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
        use p256::elliptic_curve::Generate;
        let page = p256::ecdh::EphemeralSecret::generate().public_key();
        let page = p256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&page, false);
        use base64::Engine;
        let page = base64::engine::general_purpose::STANDARD.encode(page.as_bytes());
        state.sealed.open(&page).unwrap();
        // The machine slept past the limit before the idle task could run.
        lock(&state.session).last_activity.wall -= state.idle_limit() * 2;
        state.touch();
        assert!(
            !state.is_open(&token),
            "the waking command must find the record closed"
        );
        assert!(
            !state.sealed.is_open(),
            "the keys sealing secrets on the IPC are gone too"
        );
        assert!(
            state.take_locked_on_wake(),
            "and the window is told it locked"
        );
    }

    /// With nothing opened, the idle limit still locks, once per idle spell: the window
    /// must be told (it holds what was typed); before, it was told only if a record had
    /// been opened.
    #[tokio::test]
    async fn an_idle_spell_locks_once_even_with_nothing_open() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("vault.db").display());
        let mut options = vaultstore::StoreOptions::new(&url);
        options.kdf = Some(vaultstore::KdfParams::MINIMUM);
        let store = Store::new(options).await.unwrap();
        let state = AppState::new(store, url, dir.path().join("settings.json"));
        assert!(!state.lock_if_idle(), "not idle yet");
        lock(&state.session).last_activity.wall -= state.idle_limit() * 2;
        assert!(state.lock_if_idle(), "idle past the limit: locked and told");
        assert!(!state.lock_if_idle(), "told once per idle spell");
        state.touch();
        assert!(
            !state.take_locked_on_wake(),
            "the idle task told the window already"
        );
        lock(&state.session).last_activity.wall -= state.idle_limit() * 2;
        assert!(state.lock_if_idle(), "a new spell locks again");
    }

    #[tokio::test]
    async fn the_session_keeps_at_most_remembered_keys_and_shrinks_when_the_setting_lowers() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("vault.db").display());
        let mut options = vaultstore::StoreOptions::new(&url);
        options.kdf = Some(vaultstore::KdfParams::MINIMUM);
        let store = Store::new(options).await.unwrap();
        let state = AppState::new(store, url, dir.path().join("settings.json"));
        let three = Settings {
            remembered_keys: 3,
            ..Settings::default()
        };
        state.set_settings(three).unwrap();
        let value = vaultstore::SecretValue::new("v");
        let mut tokens = Vec::new();
        for i in 0..5 {
            let password = vaultstore::Password::new(format!("remembered-password-{i}"));
            let token = state
                .store
                .token_create(&value, &password, vaultstore::CreateOptions::default())
                .await
                .unwrap();
            state.remember(&token, state.store.session_key(&password));
            tokens.push(token);
        }
        let opened = || lock(&state.session).opened.keys.len();
        assert_eq!(opened(), 3, "the session map is bounded by the setting");
        assert_eq!(
            state.store.cached_keys(),
            3,
            "and so is the store's key cache"
        );
        assert!(!state.is_open(&tokens[0]) && !state.is_open(&tokens[1]));
        assert!(state.is_open(&tokens[4]), "the newest stays open");
        // Reopening tokens[2] makes it the most recently used.
        assert!(state.key_for(&tokens[2]).is_some());
        let one = Settings {
            remembered_keys: 1,
            ..Settings::default()
        };
        state.set_settings(one).unwrap();
        assert_eq!(opened(), 1, "lowering the setting shrinks the map now");
        assert!(state.is_open(&tokens[2]), "keeping the most recently used");
        assert_eq!(state.store.cached_keys(), 1, "and the key cache too");
    }
}

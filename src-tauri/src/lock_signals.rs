//! The platform's word that the vault should lock now: the machine is going to sleep, or
//! the screen was locked. On Linux these are D-Bus signals: logind's
//! `org.freedesktop.login1.Manager.PrepareForSleep(true)` and the user's session
//! `org.freedesktop.login1.Session.Lock` on the system bus, and the screensavers'
//! `org.freedesktop.ScreenSaver.ActiveChanged(true)` and
//! `org.gnome.ScreenSaver.ActiveChanged(true)` on the session bus. Elsewhere nothing is
//! watched. While listening, the app holds logind's delay lock on sleep, so the machine
//! suspends after the vault locked, not before.
//!
//! Each bus is read on its own thread with the libdbus bindings Tauri's window toolkit
//! already links (no second D-Bus stack). A bus that is missing (no D-Bus on the machine,
//! a CI container) or goes away is logged once and given up: the app runs on, with the
//! idle lock alone. What a signal means is decided here; whether to lock (the setting) is
//! the caller's, asked at the moment the signal arrives.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};

/// Why the platform asked for a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The machine is about to suspend or hibernate.
    Sleep,
    /// The screen was locked (the session's lock, or a screensaver came on).
    ScreenLock,
}

impl Cause {
    /// The reason the `vault-locked` event carries to the window (`ui/js/app.js` words it).
    pub fn event_reason(self) -> &'static str {
        match self {
            Self::Sleep => "sleep",
            Self::ScreenLock => "screen-locked",
        }
    }
}

/// A message bus to listen on.
#[cfg_attr(
    not(target_os = "linux"),
    allow(dead_code, reason = "only Linux listens on D-Bus")
)]
pub enum Bus {
    /// The machine's system bus, where libdbus finds it (`DBUS_SYSTEM_BUS_ADDRESS` or the
    /// standard socket).
    System,
    /// A bus at this D-Bus address (`unix:path=…`).
    At(String),
}

/// Where the signals come from: logind on `system`, the screensavers on `session`.
#[cfg_attr(
    not(target_os = "linux"),
    allow(dead_code, reason = "only Linux listens on D-Bus")
)]
pub struct Buses {
    pub system: Bus,
    /// `None`: this login has no session bus, so no screensaver to hear.
    pub session: Option<Bus>,
}

impl Buses {
    /// The buses of this machine and login.
    pub fn of_this_login() -> Self {
        Self {
            system: Bus::System,
            session: session_bus_address().map(Bus::At),
        }
    }
}

/// The session bus's address from the environment, or the standard per-user socket.
/// Found here rather than by libdbus, which without `DBUS_SESSION_BUS_ADDRESS` may
/// autolaunch a bus daemon of its own (one nobody's screensaver talks to).
fn session_bus_address() -> Option<String> {
    if let Ok(address) = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        && !address.is_empty()
    {
        return Some(address);
    }
    let socket = std::path::Path::new(&std::env::var_os("XDG_RUNTIME_DIR")?).join("bus");
    socket
        .exists()
        .then(|| format!("unix:path={}", socket.display()))
}

/// The running watch: dropping it stops the listening threads (within a poll interval).
pub struct Watch {
    stop: Arc<AtomicBool>,
    /// How many buses are listening (their match rules are in place).
    listening: Arc<AtomicUsize>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Watch {
    /// How many buses are listening now (tests wait for it before sending signals).
    #[cfg(test)]
    pub fn listening(&self) -> usize {
        self.listening.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// Starts listening on `buses`; `on_cause` runs (on a listening thread) for every signal
/// that asks for a lock. Never fails: a bus that cannot be reached is logged and skipped.
pub fn watch(buses: Buses, on_cause: impl Fn(Cause) + Send + Sync + 'static) -> Watch {
    let watch = Watch {
        stop: Arc::new(AtomicBool::new(false)),
        listening: Arc::new(AtomicUsize::new(0)),
    };
    #[cfg(target_os = "linux")]
    linux::spawn(buses, Arc::new(on_cause), &watch);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (buses, on_cause);
        tracing::debug!("no sleep or screen-lock signals on this platform: the idle lock alone");
    }
    watch
}

#[cfg(target_os = "linux")]
mod linux {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use dbus::Message;
    use dbus::arg::OwnedFd;
    use dbus::blocking::Connection;
    use dbus::message::MessageType;

    use super::{Bus, Buses, Cause, Watch};

    const LOGIND: &str = "org.freedesktop.login1";
    const MANAGER: &str = "org.freedesktop.login1.Manager";
    const SESSION: &str = "org.freedesktop.login1.Session";
    const SCREENSAVERS: [&str; 2] = ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"];
    /// How long a listening thread waits for a message before looking at the stop flag.
    const POLL: Duration = Duration::from_millis(500);
    /// logind answers at once or not at all; the app does not wait on it.
    const CALL_TIMEOUT: Duration = Duration::from_secs(2);

    #[derive(Clone, Copy)]
    enum Role {
        /// logind: sleep, and the session's lock.
        System,
        /// The screensavers.
        Session,
    }

    type OnCause = Arc<dyn Fn(Cause) + Send + Sync>;

    pub(super) fn spawn(buses: Buses, on_cause: OnCause, watch: &Watch) {
        let roles = [
            (Some(buses.system), Role::System),
            (buses.session, Role::Session),
        ];
        for (bus, role) in roles {
            let Some(bus) = bus else {
                tracing::info!("no session bus: a screensaver coming on will not lock the vault");
                continue;
            };
            let (stop, listening, on_cause) = (
                watch.stop.clone(),
                watch.listening.clone(),
                on_cause.clone(),
            );
            let name = match role {
                Role::System => "lock-signals-system",
                Role::Session => "lock-signals-session",
            };
            let spawned = std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || {
                    let Some((conn, session)) = subscribe(&bus, role) else {
                        return;
                    };
                    let mut delay = match role {
                        Role::System => delay_sleep(&conn),
                        Role::Session => None,
                    };
                    listening.fetch_add(1, Ordering::Release);
                    while !stop.load(Ordering::Relaxed) {
                        match conn.channel().blocking_pop_message(POLL) {
                            Ok(Some(msg)) => {
                                if let Some(cause) = cause_of(&msg, role, session.as_deref()) {
                                    on_cause(cause);
                                }
                                match (role, going_to_sleep(&msg)) {
                                    // Locked (or the setting said no): let it sleep.
                                    (Role::System, Some(true)) => drop(delay.take()),
                                    (Role::System, Some(false)) => delay = delay_sleep(&conn),
                                    _ => {}
                                }
                            }
                            Ok(None) => {}
                            Err(e) => {
                                tracing::info!(
                                    "{}: lost the D-Bus connection ({e}); no more locks from it",
                                    role.bus_name()
                                );
                                break;
                            }
                        }
                    }
                    listening.fetch_sub(1, Ordering::Release);
                });
            if let Err(e) = spawned {
                tracing::info!("could not start listening to the {}: {e}", role.bus_name());
            }
        }
    }

    impl Role {
        fn bus_name(self) -> &'static str {
            match self {
                Role::System => "system bus",
                Role::Session => "session bus",
            }
        }
    }

    /// Connects and asks the bus for the signals of `role`. `None` (logged) if the bus is
    /// not there; the second value is our login session's object path, when logind
    /// names it.
    fn subscribe(bus: &Bus, role: Role) -> Option<(Connection, Option<String>)> {
        let connected = match bus {
            Bus::System => Connection::new_system(),
            Bus::At(address) => Connection::new_address(address),
        };
        let conn = connected
            .map_err(|e| {
                tracing::info!(
                    "no {} ({e}): sleep and screen lock will not lock the vault from it",
                    role.bus_name()
                );
            })
            .ok()?;
        let mut rules = Vec::new();
        let mut session = None;
        match role {
            Role::System => {
                // The sender is the owner of logind's name, checked by the bus: anyone
                // else's PrepareForSleep does not reach us.
                rules.push(format!(
                    "type='signal',sender='{LOGIND}',path='/org/freedesktop/login1',interface='{MANAGER}',member='PrepareForSleep'"
                ));
                session = login_session(&conn);
                match &session {
                    Some(path) => rules.push(format!(
                        "type='signal',sender='{LOGIND}',path='{path}',interface='{SESSION}',member='Lock'"
                    )),
                    None => tracing::info!(
                        "logind names no session for this app: only sleep and screensavers lock the vault"
                    ),
                }
            }
            Role::Session => {
                // Whoever owns a screensaver name may send these; a false one only locks.
                for interface in SCREENSAVERS {
                    rules.push(format!(
                        "type='signal',interface='{interface}',member='ActiveChanged'"
                    ));
                }
            }
        }
        for rule in &rules {
            if let Err(e) = conn.add_match_no_cb(rule) {
                tracing::info!("the {} refused a match rule ({e})", role.bus_name());
                return None;
            }
        }
        Some((conn, session))
    }

    /// The object path of the login session this app runs in: logind's `auto` (the
    /// caller's session, or the user's graphical one), else `$XDG_SESSION_ID`.
    fn login_session(conn: &Connection) -> Option<String> {
        let logind = conn.with_proxy(LOGIND, "/org/freedesktop/login1", CALL_TIMEOUT);
        let by_id = |id: &str| {
            logind
                .method_call::<(dbus::Path<'static>,), _, _, _>(MANAGER, "GetSession", (id,))
                .ok()
                .map(|(path,)| path.to_string())
        };
        by_id("auto").or_else(|| {
            let id = std::env::var("XDG_SESSION_ID").ok()?;
            by_id(&id)
        })
    }

    /// Takes logind's delay lock on sleep: before suspending, logind waits for us to drop
    /// it (at most its `InhibitDelayMaxSec`, 5 s by default), so the keys are gone from
    /// memory before the machine sleeps, not when it wakes. Taken again on waking.
    fn delay_sleep(conn: &Connection) -> Option<OwnedFd> {
        let logind = conn.with_proxy(LOGIND, "/org/freedesktop/login1", CALL_TIMEOUT);
        let why = ("sleep", "VaultStore", "Lock the vault first", "delay");
        match logind.method_call::<(OwnedFd,), _, _, _>(MANAGER, "Inhibit", why) {
            Ok((fd,)) => Some(fd),
            Err(e) => {
                tracing::info!(
                    "logind gave no delay lock on sleep ({e}): the vault may lock on waking"
                );
                None
            }
        }
    }

    /// `Some(true)`: logind's "going to sleep"; `Some(false)`: "woke up".
    fn going_to_sleep(msg: &Message) -> Option<bool> {
        let is = msg.msg_type() == MessageType::Signal
            && msg.interface().as_deref() == Some(MANAGER)
            && msg.member().as_deref() == Some("PrepareForSleep");
        if is { msg.get1::<bool>() } else { None }
    }

    /// The lock a message asks for, if any. Anything unexpected (another member, a
    /// missing or mistyped argument) asks for none.
    fn cause_of(msg: &Message, role: Role, session: Option<&str>) -> Option<Cause> {
        if msg.msg_type() != MessageType::Signal {
            return None;
        }
        let (interface, member) = (msg.interface()?, msg.member()?);
        let starts = msg.get1::<bool>() == Some(true);
        match (role, &*interface, &*member) {
            (Role::System, MANAGER, "PrepareForSleep") => {
                (going_to_sleep(msg) == Some(true)).then_some(Cause::Sleep)
            }
            (Role::System, SESSION, "Lock") => {
                let ours = session.is_some() && msg.path().as_deref() == session;
                ours.then_some(Cause::ScreenLock)
            }
            (Role::Session, i, "ActiveChanged") if SCREENSAVERS.contains(&i) => {
                starts.then_some(Cause::ScreenLock)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::sync::Mutex;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use dbus::Message;
    use dbus::arg::OwnedFd;
    use dbus::blocking::Connection;

    use super::*;
    use crate::state::AppState;

    /// A private `dbus-daemon` for one test, killed when dropped.
    struct PrivateBus {
        daemon: Child,
        address: String,
        _dir: tempfile::TempDir,
    }

    impl PrivateBus {
        fn start() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let mut daemon = Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--nopidfile", "--print-address"])
                .arg(format!(
                    "--address=unix:path={}",
                    dir.path().join("bus").display()
                ))
                .stdout(Stdio::piped())
                .spawn()
                .expect("dbus-daemon runs the bus for these tests (Debian package dbus-daemon)");
            // The address is printed once the daemon listens.
            let mut address = String::new();
            BufReader::new(daemon.stdout.take().unwrap())
                .read_line(&mut address)
                .unwrap();
            assert!(!address.trim().is_empty(), "dbus-daemon printed no address");
            Self {
                daemon,
                address: address.trim().to_owned(),
                _dir: dir,
            }
        }
    }

    impl Drop for PrivateBus {
        fn drop(&mut self) {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }

    const SESSION: &str = "/org/freedesktop/login1/session/_7";

    /// Stands in for logind (and the screensavers) on the private bus: owns
    /// `org.freedesktop.login1`, answers `GetSession("auto")` with [`SESSION`], and sends
    /// the signals a test asks for, in order.
    struct Platform {
        send: Option<mpsc::Sender<Message>>,
        thread: Option<std::thread::JoinHandle<()>>,
        /// The delay locks on sleep handed out: each reads to its end once released.
        delays: Arc<Mutex<Vec<std::io::PipeReader>>>,
    }

    impl Platform {
        fn start(bus: &PrivateBus) -> Self {
            let conn = Connection::new_address(&bus.address).unwrap();
            conn.request_name("org.freedesktop.login1", false, false, true)
                .unwrap();
            let (send, signals) = mpsc::channel::<Message>();
            let delays = Arc::new(Mutex::new(Vec::new()));
            let given = delays.clone();
            let thread = std::thread::spawn(move || {
                loop {
                    match signals.try_recv() {
                        Ok(signal) => {
                            conn.channel().send(signal).unwrap();
                            conn.channel().flush();
                        }
                        Err(mpsc::TryRecvError::Disconnected) => return,
                        Err(mpsc::TryRecvError::Empty) => {}
                    }
                    let Ok(Some(msg)) = conn
                        .channel()
                        .blocking_pop_message(Duration::from_millis(10))
                    else {
                        continue;
                    };
                    if msg.member().as_deref() == Some("GetSession") {
                        assert_eq!(msg.get1::<&str>(), Some("auto"));
                        let reply = msg.method_return().append1(dbus::Path::from(SESSION));
                        conn.channel().send(reply).unwrap();
                    }
                    if msg.member().as_deref() == Some("Inhibit") {
                        let (what, _, _, mode) = msg.read4::<&str, &str, &str, &str>().unwrap();
                        assert_eq!((what, mode), ("sleep", "delay"));
                        // The lock is held while any copy of the write end is open.
                        let (held, lock) = std::io::pipe().unwrap();
                        let reply = msg.method_return().append1(OwnedFd::from(lock));
                        conn.channel().send(reply).unwrap();
                        delays.lock().unwrap().push(held);
                    }
                }
            });
            Self {
                send: Some(send),
                thread: Some(thread),
                delays: given,
            }
        }

        fn signal(&self, path: &str, interface: &str, member: &str, arg: Option<bool>) {
            let mut msg = Message::new_signal(path, interface, member).unwrap();
            if let Some(arg) = arg {
                msg = msg.append1(arg);
            }
            self.send.as_ref().unwrap().send(msg).unwrap();
        }

        fn prepare_for_sleep(&self, going: bool) {
            let (path, iface) = ("/org/freedesktop/login1", "org.freedesktop.login1.Manager");
            self.signal(path, iface, "PrepareForSleep", Some(going));
        }
    }

    impl Drop for Platform {
        fn drop(&mut self) {
            drop(self.send.take());
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    /// An app state with one record opened (its key remembered), watching the private
    /// bus as both system and session bus, and the causes its callback saw.
    struct Fixture {
        state: Arc<AppState>,
        token: String,
        seen: Arc<Mutex<Vec<Cause>>>,
        _watch: Watch,
        platform: Platform,
        bus: PrivateBus,
        _dir: tempfile::TempDir,
    }

    impl Fixture {
        async fn start() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("vault.db").display());
            let mut options = vaultstore::StoreOptions::new(&url);
            options.kdf = Some(vaultstore::KdfParams::MINIMUM);
            let store = vaultstore::Store::new(options).await.unwrap();
            let password = vaultstore::Password::new("sleep-test-password-1");
            let token = store
                .token_create(
                    &vaultstore::SecretValue::new("v"),
                    &password,
                    vaultstore::CreateOptions::default(),
                )
                .await
                .unwrap();
            let state = Arc::new(AppState::new(store, url, dir.path().join("settings.json")));
            state.remember(&token, state.store.session_key(&password));

            let bus = PrivateBus::start();
            let platform = Platform::start(&bus);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let watch = {
                let (state, seen) = (state.clone(), seen.clone());
                let buses = Buses {
                    system: Bus::At(bus.address.clone()),
                    session: Some(Bus::At(bus.address.clone())),
                };
                // What main.rs does, less the window: the setting decides, now.
                watch(buses, move |cause| {
                    state.lock_on_sleep();
                    seen.lock().unwrap().push(cause);
                })
            };
            wait_until("both buses listen", || watch.listening() == 2);
            Self {
                state,
                token,
                seen,
                _watch: watch,
                platform,
                bus,
                _dir: dir,
            }
        }

        fn wait_for_causes(&self, n: usize) -> Vec<Cause> {
            wait_until("the signals arrive", || {
                self.seen.lock().unwrap().len() >= n
            });
            self.seen.lock().unwrap().clone()
        }
    }

    #[allow(
        clippy::disallowed_methods,
        reason = "a poll interval while waiting, with a deadline, for another thread"
    )]
    fn wait_until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !done() {
            assert!(Instant::now() < deadline, "within 5 s: {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[tokio::test]
    async fn going_to_sleep_locks_the_vault_and_waking_up_does_not() {
        let f = Fixture::start().await;
        // Sent in order from one connection, so the waking signal is handled first.
        f.platform.prepare_for_sleep(false);
        f.platform.prepare_for_sleep(true);
        assert_eq!(
            f.wait_for_causes(1),
            [Cause::Sleep],
            "waking up asks for nothing"
        );
        assert!(
            !f.state.is_open(&f.token),
            "the opened record's key is forgotten"
        );
    }

    #[tokio::test]
    async fn the_machine_sleeps_only_after_the_vault_locked() {
        let f = Fixture::start().await;
        wait_until("a delay lock on sleep is taken", || {
            f.platform.delays.lock().unwrap().len() == 1
        });
        let mut delay = f.platform.delays.lock().unwrap().remove(0);
        let (state, token) = (f.state.clone(), f.token.clone());
        let (released, at_release) = mpsc::channel();
        std::thread::spawn(move || {
            // Returns at the lock's release (end of file), or if something is written.
            let _ = std::io::Read::read(&mut delay, &mut [0u8; 1]);
            let _ = released.send(state.is_open(&token));
        });
        f.platform.prepare_for_sleep(true);
        let open = at_release
            .recv_timeout(Duration::from_secs(5))
            .expect("the delay lock is released within 5 s");
        assert!(!open, "the key was forgotten before the machine may sleep");
        f.platform.prepare_for_sleep(false);
        wait_until("waking takes the delay lock again", || {
            f.platform.delays.lock().unwrap().len() == 1
        });
    }

    #[tokio::test]
    async fn with_lock_on_sleep_off_going_to_sleep_locks_nothing() {
        let f = Fixture::start().await;
        let settings = crate::settings::Settings {
            lock_on_sleep: false,
            ..f.state.settings()
        };
        f.state.set_settings(settings).unwrap();
        f.platform.prepare_for_sleep(true);
        assert_eq!(f.wait_for_causes(1), [Cause::Sleep]);
        assert!(f.state.is_open(&f.token), "the record stays open");
    }

    #[tokio::test]
    async fn a_screensaver_coming_on_locks_the_vault_and_going_off_does_not() {
        let f = Fixture::start().await;
        let gnome = ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver");
        let freedesktop = (
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
        );
        f.platform
            .signal(gnome.0, gnome.1, "ActiveChanged", Some(false));
        f.platform
            .signal(freedesktop.0, freedesktop.1, "ActiveChanged", Some(true));
        assert_eq!(f.wait_for_causes(1), [Cause::ScreenLock]);
        assert!(!f.state.is_open(&f.token));
        f.platform
            .signal(gnome.0, gnome.1, "ActiveChanged", Some(true));
        assert_eq!(f.wait_for_causes(2), [Cause::ScreenLock, Cause::ScreenLock]);
    }

    #[tokio::test]
    async fn our_sessions_lock_locks_the_vault_and_another_sessions_does_not() {
        let f = Fixture::start().await;
        let iface = "org.freedesktop.login1.Session";
        f.platform
            .signal("/org/freedesktop/login1/session/_8", iface, "Lock", None);
        f.platform.signal(SESSION, iface, "Lock", None);
        assert_eq!(f.wait_for_causes(1), [Cause::ScreenLock]);
        assert!(!f.state.is_open(&f.token));
    }

    #[tokio::test]
    async fn a_sleep_signal_not_from_logind_is_ignored() {
        let f = Fixture::start().await;
        // Anyone on the bus may send a signal; only logind's name is believed.
        let impostor = Connection::new_address(&f.bus.address).unwrap();
        let sleep = Message::new_signal(
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
        )
        .unwrap()
        .append1(true);
        impostor.channel().send(sleep).unwrap();
        // A round trip to the daemon after the signal: it has routed the signal before
        // it answers, so the watcher gets it before logind's below.
        let bus = impostor.with_proxy(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            Duration::from_secs(5),
        );
        let (_id,): (String,) = bus
            .method_call("org.freedesktop.DBus", "GetId", ())
            .unwrap();
        f.platform.prepare_for_sleep(true);
        assert_eq!(f.wait_for_causes(1), [Cause::Sleep]);
        assert_eq!(
            f.seen.lock().unwrap().len(),
            1,
            "the impostor's signal was not counted"
        );
    }

    #[test]
    fn a_missing_bus_is_skipped_without_failing() {
        let dir = tempfile::tempdir().unwrap();
        let nowhere = format!("unix:path={}", dir.path().join("no-bus").display());
        let watch = watch(
            Buses {
                system: Bus::At(nowhere.clone()),
                session: Some(Bus::At(nowhere)),
            },
            |_| panic!("no bus, no signal"),
        );
        assert_eq!(watch.listening(), 0);
    }
}

//! A desktop per test: its own Xvfb and tauri-driver, the app pointed at a fresh temp
//! vault with its own settings. Both processes are killed on drop, also when the test
//! fails, so no orphan holds the test's output open.
//!
//! Tests run in parallel (cargo's default): Xvfb picks a free display itself
//! (`-displayfd`), each tauri-driver (one WebKitWebDriver serves one session) listens on
//! its own free ports, and each window has its own vault, settings and clipboard. At
//! most `WINDOWS_AT_ONCE` windows run together, whatever `--test-threads` is: the
//! stories that wait on the app's clocks (idle lock, reveal timer) then overlap with the
//! others, while two WebKit processes keep CPU use within two cores.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::ops::Deref;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use serde_json::json;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::screen::Screen;
use crate::ui::Ui;

const APP: &str = env!("CARGO_BIN_EXE_vaultstore-desktop");

/// The app under test: the one cargo built, or `VAULTSTORE_E2E_APP` (the packaging test
/// points it at the installed `/usr/bin/vaultstore-desktop`).
pub fn app_path() -> String {
    std::env::var("VAULTSTORE_E2E_APP")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| APP.to_owned())
}
/// Whether a process of the app runs with `XDG_CONFIG_HOME=config` (one desktop's app).
fn app_running_with(config: &Path) -> bool {
    let app = std::fs::canonicalize(app_path()).unwrap_or_else(|_| app_path().into());
    let wanted = format!("XDG_CONFIG_HOME={}", config.display()).into_bytes();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    #[allow(
        clippy::disallowed_methods,
        reason = "a process's environment, bounded by the kernel (ARG_MAX), never a FIFO"
    )]
    entries.flatten().any(|entry| {
        let proc = entry.path();
        std::fs::read_link(proc.join("exe")).is_ok_and(|exe| exe == app)
            && std::fs::read(proc.join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == wanted.as_slice()))
    })
}
const TOOLS: [&str; 4] = ["Xvfb", "tauri-driver", "WebKitWebDriver", "dbus-daemon"];
const WINDOWS_AT_ONCE: usize = 2;
static WINDOWS: Semaphore = Semaphore::const_new(WINDOWS_AT_ONCE);

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH")?).collect();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// Xvfb, tauri-driver and dbus-daemon, or `None` (the test skips) when one of the tools
/// is missing outside CI.
fn tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let found = TOOLS.map(find_tool);
    if let Some(i) = found.iter().position(Option::is_none) {
        let missing = TOOLS[i];
        if in_ci() {
            panic!("CI=true and {missing} is missing: run scripts/install-deps.sh app");
        }
        eprintln!(
            "SKIPPED end-to-end test: {missing} is not installed (scripts/install-deps.sh app)"
        );
        return None;
    }
    let [xvfb, driver, _, bus] = found.map(Option::unwrap);
    Some((xvfb, driver, bus))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Xvfb on a display it picks itself, so parallel tests cannot take the same one.
/// It writes the number once it accepts connections.
fn start_xvfb(path: &Path) -> (Child, String) {
    let mut xvfb = Command::new(path)
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(xvfb.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let display = line.trim().to_owned();
    assert!(
        display.parse::<u32>().is_ok(),
        "Xvfb named no display: {line:?}"
    );
    // The pipe stays open as long as Xvfb runs: a later write must not kill it.
    xvfb.stdout = Some(out.into_inner());
    (xvfb, format!(":{display}"))
}

/// A private D-Bus for one app: its session and system bus both. The machine's buses
/// (a real screensaver, logind) never reach the app under test, and a test can send
/// the signals they would.
fn start_bus(path: &Path, dir: &Path) -> (Child, String) {
    let address = format!("unix:path={}", dir.join("bus").display());
    let bus = Command::new(path)
        .args([
            "--session",
            "--nofork",
            "--nopidfile",
            "--address",
            &address,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dir.join("bus").exists() {
        assert!(Instant::now() < deadline, "dbus-daemon made no socket");
        #[allow(
            clippy::disallowed_methods,
            reason = "the interval of a poll with a deadline"
        )]
        std::thread::sleep(Duration::from_millis(20));
    }
    (bus, address)
}

pub struct Desktop {
    xvfb: Child,
    bus: Child,
    bus_address: String,
    display: String,
    driver: Child,
    port: u16,
    dir: tempfile::TempDir,
    test: String,
    started: Instant,
    queued: Duration,
    /// `dbus-monitor` writing the notifications the app sends, once asked for.
    monitor: Option<Child>,
    _slot: SemaphorePermit<'static>,
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // tauri-driver leads its own process group: WebKitWebDriver and the app go with
        // it. Killing tauri-driver alone left WebKitWebDriver running, holding the
        // test's output and any lock file descriptor cargo's caller had open.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
        if let Some(monitor) = self.monitor.as_mut() {
            let _ = monitor.kill();
            let _ = monitor.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
        eprintln!(
            "e2e time: {} took {:.1} s in its window (after {:.1} s waiting for one)",
            self.test,
            self.started.elapsed().as_secs_f64(),
            self.queued.as_secs_f64()
        );
    }
}

impl Desktop {
    /// A desktop with tauri-driver listening, the app not started yet (records can be
    /// written to its vault first); `None` when the test skips.
    pub async fn start() -> Option<Self> {
        Self::start_with(&[]).await
    }

    /// As `start`, the app also getting these environment variables (debug builds' test
    /// hooks, such as `VAULTSTORE_E2E_ALERT_SECONDS`).
    pub async fn start_with(env: &[(&str, &str)]) -> Option<Self> {
        let (xvfb, driver, bus) = tools()?;
        // libtest runs each test on a thread named after it.
        let test = std::thread::current().name().unwrap_or("e2e").to_owned();
        let queued = Instant::now();
        let slot = WINDOWS.acquire().await.unwrap();
        let queued = queued.elapsed();
        let started = Instant::now();
        let dir = tempfile::tempdir().unwrap();
        let (xvfb, display) = start_xvfb(&xvfb);
        let (bus, bus_address) = start_bus(&bus, dir.path());
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("tauri-driver.log")).unwrap();
        let driver = Command::new(driver)
            .process_group(0)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &free_port().to_string(),
            ])
            .env("DISPLAY", &display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &bus_address)
            // The app under test opens a fresh vault and keeps its settings apart.
            .env(
                "VAULTSTORE_DB",
                format!("sqlite://{}", dir.path().join("vault.db").display()),
            )
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            // Native file dialogs cannot be driven: every one answers this path.
            .env("VAULTSTORE_E2E_DIALOG_PATH", dir.path().join("export.json"))
            .envs(env.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut desktop = Self {
            xvfb,
            bus,
            bus_address,
            display,
            driver,
            port,
            dir,
            test,
            started,
            queued,
            monitor: None,
            _slot: slot,
        };
        desktop.until_driver_listens();
        Some(desktop)
    }

    /// Polls tauri-driver's port (a server starting up), failing with its log.
    fn until_driver_listens(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen: {}",
                self.log()
            );
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!("tauri-driver exited with {status}: {}", self.log());
            }
            #[allow(
                clippy::disallowed_methods,
                reason = "the interval of a poll with a deadline"
            )]
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends a D-Bus signal on the app's buses, as the desktop would:
    /// `signal("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true")`.
    pub fn signal(&self, path: &str, member: &str, arg: &str) {
        let status = Command::new("dbus-send")
            .args([
                &format!("--bus={}", self.bus_address),
                "--type=signal",
                path,
                member,
                arg,
            ])
            .status()
            .unwrap();
        assert!(status.success(), "dbus-send {member}: {status}");
    }

    /// From now on, the desktop notifications the app sends are kept (`notifications`):
    /// `dbus-monitor` on the app's private session bus records every `Notify` call.
    pub fn watch_notifications(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("notifications.log")).unwrap();
        let monitor = Command::new("dbus-monitor")
            .args([
                "--address",
                &self.bus_address,
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.monitor = Some(monitor);
    }

    /// What `dbus-monitor` recorded of the app's notifications (their title and text
    /// among the call's arguments).
    pub fn notifications(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("notifications.log")).unwrap_or_default()
    }

    /// A second launch of the app, as a user double-clicking the launcher again would:
    /// the same desktop, bus and settings, on `db_url`; not through WebDriver.
    pub fn launch_again(&self, db_url: &str) -> Child {
        self.launch_command(db_url).spawn().unwrap()
    }

    fn launch_command(&self, db_url: &str) -> Command {
        let mut command = Command::new(app_path());
        command
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus_address)
            .env("VAULTSTORE_DB", db_url)
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// As `launch_again`, its stderr kept in a file of this desktop (`launch-N.log`) for
    /// the test to read.
    pub fn launch_logged(&self, db_url: &str) -> (Child, PathBuf) {
        let n = std::fs::read_dir(self.dir.path()).map_or(0, Iterator::count);
        let log = self.dir.path().join(format!("launch-{n}.log"));
        let mut command = self.launch_command(db_url);
        command.stderr(std::fs::File::create(&log).unwrap());
        (command.spawn().unwrap(), log)
    }

    /// The X server of this desktop, as the user's eyes and the window manager see it.
    pub fn screen(&self) -> Screen {
        Screen::connect(&self.display)
    }

    /// The vault the app opens.
    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("vault.db").display())
    }

    /// The file every native file dialog answers with: exports land there, imports read it.
    pub fn dialog_file(&self) -> PathBuf {
        self.dir.path().join("export.json")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tauri-driver.log")).unwrap_or_default()
    }

    /// Waits (at most 20 s) until no app of this desktop runs: a launch while the old one
    /// is still exiting would hand over to it (single instance) and show no window.
    async fn until_app_exited(&self) {
        let config = self.dir.path().join("config");
        let deadline = Instant::now() + Duration::from_secs(20);
        while app_running_with(&config) {
            assert!(
                Instant::now() < deadline,
                "the app was still running 20 s after its session closed"
            );
            #[allow(
                clippy::disallowed_methods,
                reason = "polling /proc for a process to exit, bounded above"
            )]
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts the app through a WebDriver session and waits until it has loaded.
    pub async fn open_window(self) -> Window {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": app_path() }));
        caps.insert("browserName".into(), json!("wry"));
        // tauri-driver listens before the WebKitWebDriver it starts does: retry briefly.
        // Each attempt is bounded too: a session whose app never shows a window (it
        // handed over to another instance) would otherwise hang the run, not fail it.
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let attempt = tokio::time::timeout(
                Duration::from_secs(60),
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&format!("http://127.0.0.1:{}", self.port)),
            )
            .await
            .unwrap_or_else(|_| panic!("no WebDriver session within 60 s\n{}", self.log()));
            match attempt {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("WebDriver session not ready yet ({e}); retrying");
                    #[allow(
                        clippy::disallowed_methods,
                        reason = "the interval between bounded session retries"
                    )]
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("no WebDriver session: {e}\n{}", self.log()),
            }
        };
        let ui = Ui::new(client);
        ui.until("the app to load", "document.body.dataset.ready === 'true'")
            .await;
        Window { ui, desktop: self }
    }
}

/// The app's window on its desktop. Derefs to the `Ui` that drives it; the session
/// closes before the desktop goes (fields drop in order).
pub struct Window {
    ui: Ui,
    desktop: Desktop,
}

impl Deref for Window {
    type Target = Ui;
    fn deref(&self) -> &Ui {
        &self.ui
    }
}

impl Window {
    pub fn signal(&self, path: &str, member: &str, arg: &str) {
        self.desktop.signal(path, member, arg);
    }

    pub fn db_url(&self) -> String {
        self.desktop.db_url()
    }

    pub fn launch_again(&self, db_url: &str) -> Child {
        self.desktop.launch_again(db_url)
    }

    pub fn screen(&self) -> Screen {
        self.desktop.screen()
    }

    /// Another vault file on this desktop, for a second app.
    pub fn other_db_url(&self) -> String {
        format!(
            "sqlite://{}",
            self.desktop.dir.path().join("other.db").display()
        )
    }

    pub fn dialog_file(&self) -> PathBuf {
        self.desktop.dialog_file()
    }

    pub fn notifications(&self) -> String {
        self.desktop.notifications()
    }

    /// Where the window-state plugin keeps the window's size and position.
    pub fn window_state_file(&self) -> PathBuf {
        self.desktop
            .dir
            .path()
            .join("config/dev.vaultstore.desktop/.window-state.json")
    }

    /// Closes the session (the app quits); the desktop goes on drop.
    pub async fn quit(self) {
        self.ui.quit().await;
    }

    /// Quits the app and starts it again on the same vault and settings folder, as a
    /// user reopening it would.
    pub async fn restart(self) -> Self {
        let Self { ui, desktop } = self;
        ui.quit().await;
        desktop.until_app_exited().await;
        desktop.open_window().await
    }
}

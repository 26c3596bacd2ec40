//! Launching the app as a desktop user does: the app (or, under the packaging test, the
//! installed `/usr/bin/vaultstore-desktop`) opens on its first page, and launching it
//! again on the same vault brings back the running app instead of a second one.

use std::process::Child;
use std::time::{Duration, Instant};

use crate::desktop::{Desktop, Window, app_path};
use crate::library::{seed_from_a_newer_vaultstore, seed_one};
use crate::pages::Vault;

/// Waits up to `limit` for `child` to exit; its status, or `None` if it still runs.
fn exit_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "the interval of a poll with a deadline"
        )]
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_opens_on_its_first_page() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    eprintln!("launching {}", app_path());
    seed_one(&desktop.db_url(), "first-page-value", "First page record").await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&["First page record"]).await;
    vault.until_total("1 record").await;
    window.quit().await;
}

/// A second launch on `url` from the desktop of `window`: it hands over to the running
/// app and exits 0 at once.
fn hand_over(window: &Window, url: &str) {
    let mut again = window.launch_again(url);
    let status = exit_within(&mut again, Duration::from_secs(20));
    if status.is_none() {
        let _ = again.kill();
        let _ = again.wait();
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "a second launch on the same vault must hand over and exit 0: {status:?}"
    );
}

/// A second launch on the open vault exits at once, handing over to the running app,
/// whose window comes back where the user sees it: out of the minimized state, and in
/// front of another app's window, with the keyboard focus. A launch on another vault is
/// an app of its own. What the user sees is read from the X server (stacking order, map
/// state, focus) and from the page (visibility, focus).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_on_the_same_vault_hands_over_to_the_running_app() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let screen = window.screen();
    let shown = screen.viewable(TITLE);
    assert_eq!(shown.len(), 1, "one app window on the screen: {shown:?}");
    let ours = shown[0].id;

    // Minimized: off the screen, and without the focus.
    window.minimize_window().await;
    window
        .until(
            "the minimized page to be hidden",
            "document.visibilityState === 'hidden'",
        )
        .await;
    assert!(screen.viewable(TITLE).is_empty(), "{:?}", screen.windows());
    assert_ne!(screen.focus(), ours, "a minimized window has no focus");

    hand_over(&window, &window.db_url());
    window
        .until(
            "the running window to be shown and focused again",
            "document.visibilityState === 'visible' && document.hasFocus()",
        )
        .await;
    until_in_front(&window, ours).await;

    // Covered by the window of another vault's app: its own app, which keeps running.
    let mut other = window.launch_again(&window.other_db_url());
    window
        .poll(
            "the other vault's window over ours",
            Duration::from_secs(20),
            async || {
                let shown = screen.viewable(TITLE);
                match shown.first() {
                    Some(top) if shown.len() == 2 && top.id != ours => Ok(()),
                    _ => Err(format!("{shown:?}")),
                }
            },
        )
        .await;
    assert_eq!(
        exit_within(&mut other, Duration::from_secs(1)),
        None,
        "another vault opens an app of its own"
    );

    hand_over(&window, &window.db_url());
    until_in_front(&window, ours).await;
    assert!(
        window.is("document.hasFocus()").await,
        "the page has the focus"
    );

    let _ = other.kill();
    let _ = other.wait();
    window.quit().await;
}

/// The title of the app's window.
const TITLE: &str = "VaultStore";

/// Waits until `ours` is the topmost app window on the screen and has the keyboard focus.
async fn until_in_front(window: &Window, ours: u32) {
    let screen = window.screen();
    window
        .poll(
            "our window in front, focused",
            Duration::from_secs(15),
            async || {
                let shown = screen.viewable(TITLE);
                let focus = screen.focus();
                if shown.first().is_some_and(|w| w.id == ours) && focus == ours {
                    Ok(())
                } else {
                    Err(format!(
                        "window {ours}; on screen, topmost first: {shown:?}; focus: {focus}"
                    ))
                }
            },
        )
        .await;
}

/// An app started by the test, killed when the test ends however it ends.
struct Launched(Child);

impl Drop for Launched {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The title of the dialog that says why the app cannot start (`startup_failure.rs`).
const CANNOT_OPEN: &str = "VaultStore cannot open the vault";

/// A vault the app cannot open — written by a newer VaultStore, on a server out of reach,
/// or at a mistyped URL — is explained to the person who clicked the launcher: a native dialog (its
/// window on the X server, with its title), the same message on stderr, no app window
/// behind it, the app waiting until the dialog is closed, then exiting with status 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vault_that_cannot_open_is_explained_in_a_dialog() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_from_a_newer_vaultstore(&desktop.db_url()).await;
    let screen = desktop.screen();
    // Port 1 on this machine: the connection is refused at once.
    let unreachable = "postgres://vaultstore:not-shown@127.0.0.1:1/vault";
    let cases: [(String, &[&str]); 3] = [
        (
            desktop.db_url(),
            &[
                "vault.db: invalid vault schema: version 99 was written by a newer VaultStore",
                "upgrade VaultStore",
            ],
        ),
        (
            unreachable.to_owned(),
            &[
                "postgres://vaultstore@127.0.0.1:1/vault: database error while connecting",
                "check the database is reachable",
            ],
        ),
        (
            "sqlserver://vault".to_owned(),
            &["invalid database url: must start with sqlite://, postgres:// or mysql://"],
        ),
    ];
    for (url, says) in cases {
        let (app, log) = desktop.launch_logged(&url);
        let mut app = Launched(app);
        let stderr = || std::fs::read_to_string(&log).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(30);
        let dialog = loop {
            if let Some(dialog) = screen.viewable(CANNOT_OPEN).into_iter().next() {
                break dialog;
            }
            let exited = app.0.try_wait().unwrap();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "no dialog titled {CANNOT_OPEN:?} for {url} (app exited: {exited:?}); \
                 windows: {:?}; stderr:\n{}",
                screen.windows(),
                stderr()
            );
            #[allow(
                clippy::disallowed_methods,
                reason = "the interval of a poll with a deadline"
            )]
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(
            screen.viewable(TITLE).is_empty(),
            "no app window behind the dialog: {:?}",
            screen.windows()
        );
        let printed = stderr();
        for words in says {
            assert!(
                printed.contains(words),
                "stderr lacks {words:?}:\n{printed}"
            );
        }
        assert!(!printed.contains("not-shown"), "a password reached stderr");
        assert_eq!(
            exit_within(&mut app.0, Duration::from_secs(1)),
            None,
            "the app waits for the dialog to be read"
        );
        screen.close(dialog.id);
        let status = exit_within(&mut app.0, Duration::from_secs(10));
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(1),
            "closing the dialog ends the app with status 1: {status:?}\n{}",
            stderr()
        );
    }
}

//! The server goes away and comes back, on MariaDB/MySQL (the app's window rides out a
//! PostgreSQL restart in `src-tauri/tests/e2e/live.rs`): a private server the test
//! starts itself in a temporary directory on a free loopback port
//! (`mariadb-install-db` + `mariadbd`), stopped and started under a store that watches
//! for changes. While it is down, the watch says so and a write fails whole with a typed
//! error; once it is back, the watch answers "changed" (what happened meanwhile is
//! unknown), and the write lands exactly once. The shared servers are never touched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vaultstore::{CreateOptions, ErrorCode, KdfParams, Password, SecretValue, Store, StoreOptions};

struct PrivateMariaDb {
    dir: tempfile::TempDir,
    port: u16,
    server: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivateMariaDb {
    /// `None` (after saying so) where MariaDB is not installed, outside CI.
    fn start() -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let installed = Command::new("mariadb-install-db")
            .args([
                "--no-defaults",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .arg(format!("--datadir={}", data.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(!common::in_ci(), "CI=true and mariadb-install-db failed");
            eprintln!("SKIPPED: no mariadb-install-db for a private server");
            return None;
        }
        let mut db = Self {
            dir,
            port: free_port(),
            server: None,
        };
        db.up();
        Some(db)
    }

    fn up(&mut self) {
        let d = self.dir.path();
        let log = std::fs::File::create(d.join("server.log")).unwrap();
        let child = Command::new("mariadbd")
            .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1"])
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--port={}", self.port))
            .arg(format!("--socket={}", d.join("sock").display()))
            .arg(format!("--pid-file={}", d.join("pid").display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("mariadbd");
        self.server = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the private MariaDB did not start"
            );
            #[allow(
                clippy::disallowed_methods,
                reason = "the interval of a poll with a deadline"
            )]
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it as a restart would: the server process ends, connections are cut.
    fn down(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// A database of the test's own (triggers cannot go on the system schema).
    async fn url(&self) -> String {
        let server = format!("mysql://root@127.0.0.1:{}/mysql", self.port);
        let admin = vaultstore::DbPool::connect(&server).await.unwrap();
        common::raw_exec(&admin, "CREATE DATABASE IF NOT EXISTS restart_test").await;
        admin.close().await;
        format!("mysql://root@127.0.0.1:{}/restart_test", self.port)
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mariadb_restart_is_told_and_half_applies_nothing() {
    let Some(mut server) = PrivateMariaDb::start() else {
        return;
    };
    let mut options = StoreOptions::new(server.url().await);
    options.kdf = Some(KdfParams::MINIMUM);
    let store = Store::new(options).await.unwrap();
    let mut watch = store.watch_changes().await.unwrap();
    let create = |token: &'static str| {
        let store = store.clone();
        async move {
            let options = CreateOptions {
                token: Some(token.into()),
                ..CreateOptions::default()
            };
            let pw = Password::new("a-long-enough-password-1");
            store
                .token_create(&SecretValue::new("v"), &pw, options)
                .await
        }
    };
    create("tk_before").await.unwrap();
    let wait = Duration::from_secs(30);
    assert!(matches!(
        tokio::time::timeout(wait, watch.changed()).await,
        Ok(Ok(()))
    ));

    server.down();
    let down = tokio::time::timeout(wait, watch.changed()).await;
    assert!(
        matches!(down, Ok(Err(_))),
        "the watch says the server is gone: {down:?}"
    );
    let refused = create("tk_during").await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Database, "{refused}");

    server.up();
    let mut back = Err(());
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        match tokio::time::timeout(wait, watch.changed()).await {
            Ok(Ok(())) => {
                back = Ok(());
                break;
            }
            _ => {
                #[allow(
                    clippy::disallowed_methods,
                    reason = "the pause between retries, as the app's, within a deadline"
                )]
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    assert!(back.is_ok(), "the watch answers once the server is back");
    create("tk_during").await.unwrap();
    assert!(store.token_exists("tk_before").await.unwrap());
    assert!(
        store.token_exists("tk_during").await.unwrap(),
        "the write lands once"
    );
    assert!(store.audit_verify().await.unwrap().is_intact());
    store.close().await;
}

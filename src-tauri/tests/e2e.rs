//! End-to-end: the real app window under Xvfb, driven through tauri-driver and
//! WebKitWebDriver, on a temp SQLite vault. Without Xvfb, tauri-driver or
//! WebKitWebDriver the test skips loudly, unless `CI=true`, where it fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const APP: &str = env!("CARGO_BIN_EXE_vaultstore-desktop");
const PASSWORD: &str = "e2e-password-long-enough";
const SECRET: &str = "postgres://svc:hunter2@db/prod";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH")?).collect();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One desktop at a time: the tests would otherwise race for the same free display and
/// share two cores between two WebKit processes.
static ONE_DESKTOP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Xvfb and tauri-driver for one test; both are killed on drop, also when the test
/// fails, so no orphan holds the test's output open.
struct Desktop {
    xvfb: Child,
    driver: Child,
    port: u16,
    dir: tempfile::TempDir,
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
    }
}

impl Desktop {
    fn start() -> Option<Self> {
        let tools = ["Xvfb", "tauri-driver", "WebKitWebDriver"].map(find_tool);
        if let Some(i) = tools.iter().position(Option::is_none) {
            let missing = ["Xvfb", "tauri-driver", "WebKitWebDriver"][i];
            if in_ci() {
                panic!("CI=true and {missing} is missing: run scripts/install-deps.sh app");
            }
            eprintln!(
                "SKIPPED end-to-end test: {missing} is not installed (scripts/install-deps.sh app)"
            );
            return None;
        }
        let [xvfb, driver, _] = tools.map(Option::unwrap);
        let dir = tempfile::tempdir().unwrap();
        let display = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .unwrap();
        let xvfb = Command::new(xvfb)
            .args([
                &format!(":{display}"),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let socket = format!("/tmp/.X11-unix/X{display}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&socket).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
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
            .env("DISPLAY", format!(":{display}"))
            // The app under test opens a fresh vault and keeps its settings apart.
            .env(
                "VAULTSTORE_DB",
                format!("sqlite://{}", dir.path().join("vault.db").display()),
            )
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            // Native file dialogs cannot be driven: every one answers this path.
            .env("VAULTSTORE_E2E_DIALOG_PATH", dir.path().join("export.json"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut desktop = Self {
            xvfb,
            driver,
            port,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", desktop.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen: {}",
                desktop.log()
            );
            if let Ok(Some(status)) = desktop.driver.try_wait() {
                panic!("tauri-driver exited with {status}: {}", desktop.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(desktop)
    }

    fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("vault.db").display())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tauri-driver.log")).unwrap_or_default()
    }

    async fn connect(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": APP }));
        caps.insert("browserName".into(), json!("wry"));
        // tauri-driver listens before the WebKitWebDriver it starts does: retry briefly.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&format!("http://127.0.0.1:{}", self.port))
                    .await;
            match attempt {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("WebDriver session not ready yet ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("no WebDriver session: {e}\n{}", self.log()),
            }
        }
    }
}

/// A driven window with helpers that wait for the UI instead of sleeping blindly.
struct Ui {
    c: Client,
}

impl Ui {
    async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.unwrap()
    }

    /// Polls a JavaScript expression until it is truthy.
    async fn until(&self, what: &str, expr: &str) {
        self.until_within(what, expr, Duration::from_secs(15)).await;
    }

    async fn until_within(&self, what: &str, expr: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let v = self.js(&format!("return !!({expr});")).await;
            if v == json!(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {expr}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let el = self
            .c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        // Dialog contents scroll; bring the control into view as a user would.
        self.c
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&el).unwrap()],
            )
            .await
            .unwrap();
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e:?}"));
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.c.find(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        if !text.is_empty() {
            el.send_keys(text).await.unwrap();
        }
    }

    /// Sets a <select> and fires `change`, as choosing with the mouse does.
    async fn choose(&self, css: &str, value: &str) {
        let el = self.c.find(Locator::Css(css)).await.unwrap();
        self.c
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![serde_json::to_value(&el).unwrap(), json!(value)],
            )
            .await
            .unwrap();
    }

    async fn rows(&self) -> Vec<String> {
        let v = self
            .js("return [...document.querySelectorAll('#records tbody tr')].map(r => r.cells[1].textContent);")
            .await;
        serde_json::from_value(v).unwrap()
    }

    async fn until_rows(&self, want: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mut got = self.rows().await;
            got.sort();
            let mut w: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
            w.sort();
            if got == w {
                return;
            }
            assert!(Instant::now() < deadline, "rows {got:?}, wanted {w:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn open_row(&self, label: &str) {
        self.c
            .find(Locator::XPath(&format!(
                "//table[@id='records']//tr[td[2][text()='{label}']]/td[1]"
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.until(
            "the record dialog",
            "document.getElementById('record-dialog').open",
        )
        .await;
    }

    async fn screenshot(&self, name: &str) {
        // Transient toasts would cover the view; then two animation frames, so the
        // picture shows the DOM as it is now.
        self.c
            .execute_async(
                "const done = arguments[0]; document.getElementById('toasts').replaceChildren(); requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await
            .unwrap();
        let png = self.c.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }

    async fn create(&self, value: &str, label: &str, tags: &str, expiry: &str) {
        self.click("#btn-new").await;
        self.until(
            "the create dialog",
            "document.getElementById('create-dialog').open",
        )
        .await;
        self.type_into("#create-dialog textarea[name=value]", value)
            .await;
        self.type_into("#create-dialog input[name=password]", PASSWORD)
            .await;
        self.type_into("#create-dialog input[name=confirm]", PASSWORD)
            .await;
        self.type_into("#create-dialog input[name=label]", label)
            .await;
        self.type_into("#create-dialog input[name=tags]", tags)
            .await;
        self.choose("#create-dialog select[name=expiryPreset]", expiry)
            .await;
        self.click("#create-dialog [data-action=submit]").await;
        self.until(
            "the create dialog to close",
            "!document.getElementById('create-dialog').open",
        )
        .await;
    }

    async fn dom_text(&self) -> String {
        self.js("return document.documentElement.outerHTML + document.body.innerText;")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_manages_secrets_in_the_real_window() {
    let _one = ONE_DESKTOP.lock().await;
    let Some(desktop) = Desktop::start() else {
        return;
    };
    let ui = Ui {
        c: desktop.connect().await,
    };
    ui.until("the app to load", "document.body.dataset.ready === 'true'")
        .await;

    // Create: a bad password keeps the dialog open and filled, with the error beside it.
    ui.click("#btn-new").await;
    ui.type_into("#create-dialog textarea[name=value]", SECRET)
        .await;
    ui.type_into("#create-dialog input[name=password]", "short")
        .await;
    ui.type_into("#create-dialog input[name=confirm]", "short")
        .await;
    ui.click("#create-dialog [data-action=submit]").await;
    ui.until(
        "the policy error",
        "document.querySelector('#create-dialog [data-for=password]').textContent.includes('16')",
    )
    .await;
    let kept = ui
        .js("return document.querySelector('#create-dialog textarea[name=value]').value")
        .await;
    assert_eq!(kept, json!(SECRET), "a failed create keeps what was typed");
    ui.click("#create-dialog button[value=cancel]").await;

    ui.create(SECRET, "Production DB", "prod, db", "7").await;
    ui.create("ghp_example", "GitHub token", "ci", "never")
        .await;
    ui.create("old", "Legacy FTP", "", "365").await;
    ui.until_rows(&["Production DB", "GitHub token", "Legacy FTP"])
        .await;
    ui.until(
        "the total",
        "document.getElementById('total').textContent === '3 records'",
    )
    .await;
    ui.screenshot("vault.png").await;

    // Filter by text and by expiry.
    ui.type_into("#search", "github").await;
    ui.until_rows(&["GitHub token"]).await;
    ui.type_into("#search", "PROD").await;
    ui.until_rows(&["Production DB"]).await;
    ui.c.find(Locator::Css("#search"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    ui.js("document.getElementById('search').dispatchEvent(new Event('input'))")
        .await;
    ui.choose("#expiry", "expiring").await;
    ui.until_rows(&["Production DB"]).await;
    ui.choose("#expiry", "never").await;
    ui.until_rows(&["GitHub token"]).await;
    ui.choose("#expiry", "all").await;
    ui.until_rows(&["Production DB", "GitHub token", "Legacy FTP"])
        .await;

    // Lock: the passwords remembered since creation are forgotten.
    ui.click("#btn-lock").await;
    ui.until("the rows to show closed", "![...document.querySelectorAll('#records td.status')].some(td => td.textContent.includes('open'))").await;
    assert!(
        !ui.dom_text().await.contains(SECRET),
        "no plaintext before reveal"
    );

    // Reveal: wrong password, then the right one.
    ui.open_row("Production DB").await;
    ui.type_into(
        "#record-dialog input[name=password]",
        "wrong-password-wrong-password",
    )
    .await;
    ui.click("#record-dialog [data-action=open]").await;
    ui.until(
        "the wrong-password message",
        "document.querySelector('#record-dialog [data-for=password]').textContent.includes('Wrong password')",
    )
    .await;
    ui.type_into("#record-dialog input[name=password]", PASSWORD)
        .await;
    ui.click("#record-dialog [data-action=open]").await;
    ui.until(
        "the value section",
        "!document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    assert!(!ui.dom_text().await.contains(SECRET), "masked until Show");
    ui.click("#record-dialog [data-action=toggle]").await;
    ui.until(
        "the value",
        &format!(
            "document.querySelector('#record-dialog [data-role=value-text]').textContent === {}",
            json!(SECRET)
        ),
    )
    .await;
    ui.screenshot("reveal.png").await;
    ui.click("#record-dialog [data-action=toggle]").await;
    assert!(
        !ui.dom_text().await.contains(SECRET),
        "gone from the DOM once hidden"
    );

    // Edit the value (the password is remembered now).
    ui.click("#record-dialog [data-action=edit-value]").await;
    ui.type_into("#record-dialog textarea[name=newValue]", "rotated-secret")
        .await;
    ui.click("#record-dialog [data-action=save-value]").await;
    ui.until(
        "the edit to finish",
        "document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    ui.click("#record-dialog button[value=close]").await;
    ui.open_row("Production DB").await;
    ui.until(
        "the value section",
        "!document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    ui.click("#record-dialog [data-action=toggle]").await;
    ui.until(
        "the edited value",
        "document.querySelector('#record-dialog [data-role=value-text]').textContent === 'rotated-secret'",
    )
    .await;

    // Soft delete, find it in the Trash, restore, reveal again.
    ui.click("#record-dialog [data-action=trash]").await;
    ui.until_rows(&["GitHub token", "Legacy FTP"]).await;
    ui.click("#view-trash").await;
    ui.until_rows(&["Production DB"]).await;
    ui.screenshot("trash.png").await;
    ui.open_row("Production DB").await;
    ui.click("#record-dialog [data-action=restore]").await;
    ui.until_rows(&[]).await;
    ui.click("#view-vault").await;
    ui.until_rows(&["Production DB", "GitHub token", "Legacy FTP"])
        .await;
    ui.open_row("Production DB").await;
    ui.until(
        "the value section",
        "!document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    ui.click("#record-dialog [data-action=toggle]").await;
    ui.until(
        "the value after restore",
        "document.querySelector('#record-dialog [data-role=value-text]').textContent === 'rotated-secret'",
    )
    .await;

    // Copy goes through the backend to the clipboard, to be cleared later.
    ui.click("#record-dialog [data-action=copy]").await;
    ui.until(
        "the copy toast",
        "document.getElementById('toasts').textContent.includes('Copied. The clipboard is cleared in 30 s')",
    )
    .await;

    // Lock clears keys: the next reveal asks for the password again.
    ui.click("#record-dialog button[value=close]").await;
    ui.click("#btn-lock").await;
    ui.until(
        "the lock toast",
        "document.getElementById('toasts').textContent.includes('Locked')",
    )
    .await;
    ui.open_row("Production DB").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asks = ui
        .js("return !document.querySelector('#record-dialog [data-role=unlock]').hidden && document.querySelector('#record-dialog [data-role=value]').hidden")
        .await;
    assert_eq!(asks, json!(true), "after Lock the password is asked again");
    ui.screenshot("locked-record.png").await;
    ui.click("#record-dialog button[value=close]").await;

    // Export everything, delete a record forever, then import it back.
    let bundle = desktop.dir.path().join("export.json");
    ui.click("details.menu summary").await;
    ui.click("#btn-export").await;
    ui.until(
        "the export dialog",
        "document.getElementById('export-dialog').open",
    )
    .await;
    ui.click("#export-dialog [data-action=export]").await;
    ui.until(
        "the export toast",
        "document.getElementById('toasts').textContent.includes('Exported 3 records')",
    )
    .await;
    assert!(bundle.exists(), "the bundle was written");
    ui.open_row("GitHub token").await;
    ui.click("#record-dialog [data-action=trash]").await;
    ui.click("#view-trash").await;
    ui.until_rows(&["GitHub token"]).await;
    ui.open_row("GitHub token").await;
    ui.click("#record-dialog [data-action=delete-forever]")
        .await;
    ui.until(
        "the confirmation",
        "document.getElementById('confirm-dialog').open",
    )
    .await;
    ui.click("#confirm-dialog [data-role=ok]").await;
    ui.until_rows(&[]).await;
    ui.click("#view-vault").await;
    ui.until_rows(&["Production DB", "Legacy FTP"]).await;
    ui.click("details.menu summary").await;
    ui.click("#btn-import").await;
    ui.until(
        "the import preview",
        "document.querySelector('#import-dialog [data-count=\"New records\"]')?.textContent === '1'",
    )
    .await;
    let skipped = ui
        .js("return document.querySelector('#import-dialog [data-count=\"Skipped\"]').textContent")
        .await;
    assert_eq!(
        skipped,
        json!("2"),
        "the two records still here are skipped"
    );
    ui.screenshot("import.png").await;
    ui.click("#import-dialog [data-action=import]").await;
    ui.until(
        "the import toast",
        "document.getElementById('toasts').textContent.includes('Imported: 1 new')",
    )
    .await;
    ui.until_rows(&["Production DB", "GitHub token", "Legacy FTP"])
        .await;

    // A plaintext export asks twice: the checkbox, then a confirmation.
    ui.click("details.menu summary").await;
    ui.click("#btn-export").await;
    ui.choose("#export-dialog select[name=format]", "csv").await;
    ui.type_into("#export-dialog input[name=plainPassword]", PASSWORD)
        .await;
    ui.click("#export-dialog [data-action=export]").await;
    ui.until(
        "the confirmation request",
        "document.querySelector('#export-dialog [data-for=form]').textContent.includes('Tick the box')",
    )
    .await;
    ui.click("#export-dialog input[name=understand]").await;
    ui.click("#export-dialog [data-action=export]").await;
    ui.until(
        "the second question",
        "document.getElementById('confirm-dialog').open",
    )
    .await;
    ui.click("#confirm-dialog [data-role=ok]").await;
    ui.until(
        "the plaintext toast",
        "document.getElementById('toasts').textContent.includes('in plain text')",
    )
    .await;
    let csv = std::fs::read_to_string(&bundle).unwrap();
    assert!(
        csv.contains("rotated-secret") && csv.contains("ghp_example"),
        "{csv}"
    );

    // The CSP blocks inline script.
    let ran = ui
        .js("const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.append(s); return window.__inlineRan === true;")
        .await;
    assert_eq!(
        ran,
        json!(false),
        "inline script must be blocked by the CSP"
    );

    // Settings: lock after one idle minute. Open a record, then touch nothing.
    ui.click("details.menu summary").await;
    ui.click("#btn-settings").await;
    ui.until(
        "the settings",
        "document.getElementById('settings-dialog').open",
    )
    .await;
    ui.type_into("#settings-dialog input[name=idleLockMinutes]", "1")
        .await;
    ui.click("#settings-dialog [data-action=save]").await;
    ui.until(
        "settings to close",
        "!document.getElementById('settings-dialog').open",
    )
    .await;
    ui.open_row("Legacy FTP").await;
    ui.type_into("#record-dialog input[name=password]", PASSWORD)
        .await;
    ui.click("#record-dialog [data-action=open]").await;
    ui.until(
        "the value section",
        "!document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    ui.click("#record-dialog button[value=close]").await;
    ui.until("the record to show open", "[...document.querySelectorAll('#records td.status')].some(td => td.textContent.includes('open'))").await;
    let deadline = Instant::now() + Duration::from_secs(100);
    loop {
        let locked = ui
            .js("return document.getElementById('toasts').textContent.includes('Locked after inactivity')")
            .await;
        if locked == json!(true) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no idle lock after a minute and a half"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    ui.until("no record open after the idle lock", "![...document.querySelectorAll('#records td.status')].some(td => td.textContent.includes('open'))").await;

    ui.c.close().await.unwrap();
}

/// Fills the vault with `n` records through an import (all sharing one sealed value: the
/// listing never opens them) plus one real record; returns nothing.
async fn fill_vault(url: &str, n: usize) {
    use vaultstore::transfer::bundle::{self, BundleRecord};
    let store = vaultstore::Store::new(vaultstore::StoreOptions::new(url))
        .await
        .unwrap();
    let token = store
        .token_create(
            &vaultstore::SecretValue::new("x"),
            &vaultstore::Password::new(PASSWORD),
            vaultstore::CreateOptions::default(),
        )
        .await
        .unwrap();
    let envelope = store
        .record_find_by_token(&token)
        .await
        .unwrap()
        .unwrap()
        .envelope;
    let base = chrono::Utc::now() - chrono::Duration::days(365);
    let records: Vec<BundleRecord> = (0..n)
        .map(|i| {
            let at = (base + chrono::Duration::seconds(i as i64 * 60))
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string();
            BundleRecord {
                id: format!("{i:032x}"),
                token: format!("tk_bulk_{i:07}"),
                value: envelope.clone(),
                created_at: at.clone(),
                updated_at: at,
                expires_at: None,
                soft_deleted_at: None,
                data: serde_json::value::RawValue::from_string(format!(
                    "{{\"label\":\"record {i}\"}}"
                ))
                .unwrap(),
            }
        })
        .collect();
    let bytes = bundle::encode(records, chrono::Utc::now()).unwrap();
    store
        .import_bundle(
            &bytes,
            vaultstore::transfer::ImportOptions::default(),
            |_| {},
            &vaultstore::Cancel::new(),
        )
        .await
        .unwrap();
    store.close().await;
}

/// 100,000 records: the window opens on the first page and the total, pages load as the
/// table scrolls, and search finds one record. Timings are printed, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_stays_usable_with_100000_records() {
    let _one = ONE_DESKTOP.lock().await;
    let Some(desktop) = Desktop::start() else {
        return;
    };
    let start = Instant::now();
    fill_vault(&desktop.db_url(), 100_000).await;
    eprintln!("filled 100,000 records in {:?}", start.elapsed());
    let start = Instant::now();
    let ui = Ui {
        c: desktop.connect().await,
    };
    ui.until("the app to load", "document.body.dataset.ready === 'true'")
        .await;
    ui.until(
        "the total",
        "document.getElementById('total').textContent === '100001 records'",
    )
    .await;
    eprintln!(
        "window open with the first page and the total after {:?}",
        start.elapsed()
    );
    assert_eq!(ui.rows().await.len(), 100, "one page of 100 rows");
    for page in 2..=6 {
        let start = Instant::now();
        ui.js("document.querySelector('main').scrollTop = 1e9;")
            .await;
        ui.until(
            "the next page",
            &format!(
                "document.querySelectorAll('#records tbody tr').length >= {}",
                page * 100
            ),
        )
        .await;
        eprintln!("page {page} loaded by scrolling in {:?}", start.elapsed());
    }
    let start = Instant::now();
    ui.type_into("#search", "record 99999").await;
    ui.until_rows(&["record 99999"]).await;
    eprintln!(
        "search over 100,000 labels answered in {:?}",
        start.elapsed()
    );
    ui.screenshot("large-vault.png").await;
    ui.c.close().await.unwrap();
}

// ---- Losses in the app (issue 9): one launch, one step per loss ----

const MAIL_URL: &str = "https://mail.example/login";

/// Records the safety scenario needs, written by the library before the app starts: an
/// import-like record with URL, username and a flag; two records to mix up; an expired
/// one to purge. Returns the path of a bundle of them (the import step reads it).
async fn seed_safety_vault(desktop: &Desktop) -> PathBuf {
    let store = vaultstore::Store::new(vaultstore::StoreOptions::new(desktop.db_url()))
        .await
        .unwrap();
    let pw = vaultstore::Password::new(PASSWORD);
    let mut mail = vaultstore::Metadata::labelled("Imported mail");
    for (k, v) in [
        ("url", MAIL_URL),
        ("username", "ann"),
        ("unreadable", "legacy flag"),
    ] {
        mail.extra.insert(k.into(), v.into());
    }
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    for (value, metadata, expires_at) in [
        ("mail-secret", mail, None),
        (
            "alpha-secret",
            vaultstore::Metadata::labelled("Alpha"),
            None,
        ),
        ("beta-secret", vaultstore::Metadata::labelled("Beta"), None),
        ("stale", vaultstore::Metadata::labelled("Stale"), Some(past)),
    ] {
        let options = vaultstore::CreateOptions {
            metadata,
            expires_at,
            ..vaultstore::CreateOptions::default()
        };
        store
            .token_create(&vaultstore::SecretValue::new(value), &pw, options)
            .await
            .unwrap();
    }
    let bundle = desktop.dir.path().join("export.json");
    let all = vaultstore::RecordQuery::new().deleted(vaultstore::DeletedFilter::Include);
    store
        .export_bundle(&all, &bundle, |_| {}, &vaultstore::Cancel::new())
        .await
        .unwrap();
    store.close().await;
    bundle
}

/// Another writer holding the SQLite write lock (as a second app or the CLI would), so
/// the app's next long operation waits for it: it runs as long as the test wants.
struct WriteLock {
    release: std::sync::mpsc::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl WriteLock {
    async fn take(url: &str) -> Self {
        let store = vaultstore::Store::new(vaultstore::StoreOptions::new(url))
            .await
            .unwrap();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = std::sync::Mutex::new(Some(wait));
        let (held_tx, held) = tokio::sync::oneshot::channel::<()>();
        let held_tx = std::sync::Mutex::new(Some(held_tx));
        let rt = tokio::runtime::Handle::current();
        // A purge paused inside its write transaction by its progress report, then
        // rolled back (it is cancelled from the start): it changes nothing.
        let cancelled = vaultstore::Cancel::new();
        cancelled.cancel();
        let done = tokio::task::spawn_blocking(move || {
            let pause = |_| {
                if let Some(tx) = held_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                    if let Some(rx) = wait.lock().unwrap().take() {
                        let _ = rx.recv();
                    }
                }
            };
            rt.block_on(async {
                let r = store.purge_expired_with(true, pause, &cancelled).await;
                assert!(matches!(r, Err(vaultstore::Error::Cancelled)), "{r:?}");
                store.close().await;
            });
        });
        held.await.unwrap();
        Self { release, done }
    }

    async fn release(self) {
        let _ = self.release.send(());
        self.done.await.unwrap();
    }
}

impl Ui {
    async fn metadata_of(&self, url: &str, label: &str) -> vaultstore::Metadata {
        let store = vaultstore::Store::new(vaultstore::StoreOptions::new(url))
            .await
            .unwrap();
        let page = store
            .records_list(&vaultstore::RecordQuery::new().search(label))
            .await
            .unwrap();
        store.close().await;
        page.records
            .into_iter()
            .find(|r| r.metadata.label.as_deref() == Some(label))
            .unwrap_or_else(|| panic!("no record labelled {label}"))
            .metadata
    }

    async fn press_enter_in(&self, css: &str) {
        let el = self.c.find(Locator::Css(css)).await.unwrap();
        el.send_keys("\u{e007}").await.unwrap();
    }

    async fn visible(&self, css: &str) -> bool {
        self.js(&format!(
            "const e = document.querySelector({}); return !!e && e.getClientRects().length > 0;",
            json!(css)
        ))
        .await
            == json!(true)
    }

    /// Opens "Details, password and expiry" (it stays open from an earlier record).
    async fn open_details(&self) {
        let open = self
            .js("return document.querySelector('#record-dialog details[data-role=more]').open")
            .await;
        if open != json!(true) {
            self.click("#record-dialog details[data-role=more] summary")
                .await;
        }
    }

    async fn open_settings(&self) {
        self.click("details.menu summary").await;
        self.click("#btn-settings").await;
        self.until(
            "the settings",
            "document.getElementById('settings-dialog').open",
        )
        .await;
    }
}

/// Enter in a text field does the dialog's main action (it used to press Cancel).
async fn enter_creates_and_saves(ui: &Ui) {
    ui.click("#btn-new").await;
    ui.until(
        "the create dialog",
        "document.getElementById('create-dialog').open",
    )
    .await;
    ui.type_into("#create-dialog textarea[name=value]", "made-with-enter")
        .await;
    ui.type_into("#create-dialog input[name=password]", PASSWORD)
        .await;
    ui.type_into("#create-dialog input[name=confirm]", PASSWORD)
        .await;
    ui.type_into("#create-dialog input[name=label]", "Entered")
        .await;
    ui.press_enter_in("#create-dialog input[name=label]").await;
    ui.until_rows(&["Imported mail", "Alpha", "Beta", "Stale", "Entered"])
        .await;
    // Settings too: reveal for 5 s and lock after 1 idle minute, saved with Enter.
    ui.open_settings().await;
    ui.type_into("#settings-dialog input[name=revealSeconds]", "5")
        .await;
    ui.type_into("#settings-dialog input[name=idleLockMinutes]", "1")
        .await;
    ui.press_enter_in("#settings-dialog input[name=idleLockMinutes]")
        .await;
    ui.until(
        "the settings to be saved",
        "document.getElementById('toasts').textContent.includes('Settings saved')",
    )
    .await;
}

/// Saving details changes what the dialog shows and keeps every other key.
async fn saving_details_keeps_other_metadata(ui: &Ui, url: &str) {
    ui.open_row("Imported mail").await;
    ui.open_details().await;
    ui.type_into("#record-dialog input[name=label]", "Imported mail (work)")
        .await;
    ui.click("#record-dialog [data-action=save-details]").await;
    ui.until(
        "the details to be saved",
        "document.getElementById('toasts').textContent.includes('Details saved')",
    )
    .await;
    let m = ui.metadata_of(url, "Imported mail (work)").await;
    for key in ["url", "username", "unreadable"] {
        assert!(m.extra.contains_key(key), "{key} lost on save: {m:?}");
    }
    // URL and username are shown and editable.
    let shown = ui
        .js("return document.querySelector('#record-dialog input[name=url]')?.value")
        .await;
    assert_eq!(shown, json!(MAIL_URL), "the URL is shown");
    ui.type_into("#record-dialog input[name=username]", "ann.work")
        .await;
    ui.js("document.getElementById('toasts').replaceChildren()")
        .await;
    ui.press_enter_in("#record-dialog input[name=username]")
        .await;
    ui.until(
        "the username to be saved",
        "document.getElementById('toasts').textContent.includes('Details saved')",
    )
    .await;
    let m = ui.metadata_of(url, "Imported mail (work)").await;
    assert_eq!(m.extra.get("username"), Some(&json!("ann.work")));
    assert_eq!(m.extra.get("url"), Some(&json!(MAIL_URL)));
    assert_eq!(m.extra.get("unreadable"), Some(&json!("legacy flag")));
    ui.click("#record-dialog button[value=close]").await;
}

/// A reveal answered after the dialog moved on to another record is dropped.
async fn a_late_reveal_stays_with_its_record(ui: &Ui) {
    ui.open_row("Alpha").await;
    ui.type_into("#record-dialog input[name=password]", PASSWORD)
        .await;
    // Reveal, then at once close and open Beta: the answer arrives after Beta is shown.
    ui.js("document.querySelector('#record-dialog [data-action=open]').click();
           document.querySelector('#record-dialog button[value=close]').click();
           [...document.querySelectorAll('#records tbody tr')].find(r => r.cells[1].textContent === 'Beta').cells[0].click();")
        .await;
    ui.until(
        "Alpha's reveal to be answered",
        "[...document.querySelectorAll('#records tbody tr')].some(r => r.cells[1].textContent === 'Alpha' && r.querySelector('td.status').textContent.includes('open'))",
    )
    .await;
    let title = ui
        .js("return document.getElementById('record-title').textContent")
        .await;
    assert_eq!(title, json!("Beta"));
    assert!(
        ui.visible("#record-dialog [data-role=unlock]").await,
        "Beta still asks for its password"
    );
    assert!(
        !ui.visible("#record-dialog [data-role=value]").await,
        "Alpha's value landed in Beta's dialog"
    );
    assert!(!ui.dom_text().await.contains("alpha-secret"));
    ui.click("#record-dialog button[value=close]").await;
}

/// Typing in an open edit restarts the reveal timer; when it fires, the edit stays.
async fn an_edit_outlives_the_reveal_timer(ui: &Ui) {
    ui.open_row("Alpha").await;
    ui.until(
        "Alpha's value (remembered)",
        "!document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    ui.click("#record-dialog [data-action=edit-value]").await;
    ui.type_into("#record-dialog textarea[name=newValue]", "edited-")
        .await;
    // Reveal time is 5 s: keep typing for 8 s.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(
            ui.visible("#record-dialog textarea[name=newValue]").await,
            "the reveal timer erased the edit being typed"
        );
        let el =
            ui.c.find(Locator::Css("#record-dialog textarea[name=newValue]"))
                .await
                .unwrap();
        el.send_keys("x").await.unwrap();
    }
    // Then stop: the value is hidden, the edit is kept until saved or discarded.
    ui.until(
        "the timer to hide the value",
        "document.querySelector('#record-dialog [data-role=value-hint]').textContent.includes('edit is kept')",
    )
    .await;
    let kept = ui
        .js("return document.querySelector('#record-dialog textarea[name=newValue]').value")
        .await;
    assert_eq!(kept, json!("edited-xxxx"));
    assert!(
        !ui.dom_text().await.contains("alpha-secret"),
        "value hidden"
    );
    // Closing asks before the edit is thrown away; "Cancel" keeps it.
    ui.click("#record-dialog button[value=close]").await;
    ui.until(
        "the discard question",
        "document.getElementById('confirm-dialog').open",
    )
    .await;
    ui.click("#confirm-dialog button[value=cancel]").await;
    let kept = ui
        .js("return document.getElementById('record-dialog').open && document.querySelector('#record-dialog textarea[name=newValue]').value")
        .await;
    assert_eq!(kept, json!("edited-xxxx"), "closing asked first");
    ui.click("#record-dialog [data-action=save-value]").await;
    ui.until(
        "the value to be saved",
        "document.getElementById('toasts').textContent.includes('Value saved')",
    )
    .await;
    ui.click("#record-dialog button[value=close]").await;
}

/// A purge keeps its progress and Cancel in sight until it ends.
async fn a_purge_keeps_its_cancel_in_sight(ui: &Ui, url: &str) {
    let lock = WriteLock::take(url).await;
    ui.click("details.menu summary").await;
    ui.click("#btn-purge").await;
    ui.until(
        "the purge question",
        "document.getElementById('confirm-dialog').open",
    )
    .await;
    ui.click("#confirm-dialog [data-role=ok]").await;
    let cancel = "[...document.querySelectorAll('#toasts button')].find(b => b.textContent === 'Cancel' && b.getClientRects().length > 0)";
    ui.until("the purge's Cancel", cancel).await;
    tokio::time::sleep(Duration::from_secs(7)).await; // longer than a toast lives
    assert_eq!(
        ui.js(&format!("return !!{cancel};")).await,
        json!(true),
        "the purge's Cancel vanished while it ran"
    );
    ui.js(&format!("{cancel}.click();")).await;
    lock.release().await;
    ui.until(
        "the cancelled purge",
        "document.getElementById('toasts').textContent.includes('Cancelled')",
    )
    .await;
    ui.until_rows(&["Imported mail (work)", "Alpha", "Beta", "Stale", "Entered"])
        .await;
}

/// Esc does not hide a running import.
async fn a_running_import_stays_in_sight(ui: &Ui, url: &str) {
    ui.click("details.menu summary").await;
    ui.click("#btn-import").await;
    ui.until(
        "the import preview",
        "document.querySelector('#import-dialog [data-count=\"Skipped\"]')",
    )
    .await;
    let lock = WriteLock::take(url).await;
    ui.click("#import-dialog [data-action=import]").await;
    ui.until(
        "the import's progress",
        "document.querySelector('#import-dialog [data-role=progress]').getClientRects().length > 0",
    )
    .await;
    ui.c.find(Locator::Css("#import-dialog [data-action=cancel]"))
        .await
        .unwrap()
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    let open = ui
        .js("return document.getElementById('import-dialog').open")
        .await;
    assert_eq!(open, json!(true), "Esc hid the running import");
    assert!(ui.visible("#import-dialog [data-action=cancel]").await);
    lock.release().await;
    ui.until(
        "the import to finish",
        "document.getElementById('toasts').textContent.includes('Imported:')",
    )
    .await;
}

/// A plaintext export keeps its dialog (and so its progress) until it ends.
async fn a_plaintext_export_keeps_its_dialog(ui: &Ui) {
    ui.click("details.menu summary").await;
    ui.click("#btn-export").await;
    ui.choose("#export-dialog select[name=format]", "csv").await;
    ui.type_into("#export-dialog input[name=plainPassword]", PASSWORD)
        .await;
    ui.click("#export-dialog input[name=understand]").await;
    ui.click("#export-dialog [data-action=export]").await;
    ui.until(
        "the second question",
        "document.getElementById('confirm-dialog').open",
    )
    .await;
    let open = ui
        .js("return document.getElementById('export-dialog').open")
        .await;
    assert_eq!(
        open,
        json!(true),
        "the export dialog closed before the export"
    );
    ui.click("#confirm-dialog [data-role=ok]").await;
    ui.until(
        "the plaintext export",
        "document.getElementById('toasts').textContent.includes('in plain text')",
    )
    .await;
    assert!(
        !ui.visible("#export-dialog").await,
        "the export dialog closes when the export ends"
    );
}

/// Keys count as activity; when the idle lock comes anyway, unsaved details stay.
async fn the_idle_lock_keeps_unsaved_details(ui: &Ui) {
    ui.open_row("Beta").await;
    ui.type_into("#record-dialog input[name=password]", PASSWORD)
        .await;
    ui.click("#record-dialog [data-action=open]").await;
    ui.until(
        "Beta's value",
        "!document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    ui.open_details().await;
    ui.type_into("#record-dialog input[name=label]", "Beta (unsaved)")
        .await;
    ui.type_into("#record-dialog textarea[name=notes]", "keep me")
        .await;
    let locked = "document.querySelector('#record-dialog [data-role=lock-note]')?.textContent.includes('Locked')";
    // The idle limit is one minute: type a key every 10 s for 75 s, no command.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(75) {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let open = ui
            .js(&format!(
                "return document.getElementById('record-dialog').open && !({locked});"
            ))
            .await;
        assert_eq!(open, json!(true), "locked while the user was typing");
        ui.c.find(Locator::Css("#record-dialog textarea[name=notes]"))
            .await
            .unwrap()
            .send_keys(".")
            .await
            .unwrap();
    }
    // Then idle: the lock comes and says what it kept.
    ui.until_within("the idle lock", locked, Duration::from_secs(100))
        .await;
    let form = ui
        .js("const f = document.querySelector('#record-dialog form'); return [f.label.value, f.notes.value, f.password.value, document.querySelector('#record-dialog [data-role=lock-note]').textContent];")
        .await;
    assert_eq!(form[0], json!("Beta (unsaved)"));
    assert!(form[1].as_str().unwrap().starts_with("keep me"), "{form}");
    assert_eq!(form[2], json!(""), "no password kept");
    let note = form[3].as_str().unwrap();
    assert!(note.contains("label") && note.contains("notes"), "{note}");
    assert!(!ui.visible("#record-dialog [data-role=value]").await);
    assert!(!ui.dom_text().await.contains("beta-secret"));
}

/// Runs one step; a failed step is reported and the window reset (dialogs closed), so
/// the next step still runs and one run shows every loss.
async fn step<F>(ui: &std::sync::Arc<Ui>, failures: &mut Vec<String>, name: &str, body: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    eprintln!("step: {name}");
    if let Err(e) = tokio::spawn(body).await {
        eprintln!("step FAILED: {name}: {e}");
        failures.push(name.to_owned());
        ui.js("document.querySelectorAll('dialog[open]').forEach(d => d.close()); document.getElementById('toasts').replaceChildren();")
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_operations_are_not_lost_in_the_real_window() {
    let _one = ONE_DESKTOP.lock().await;
    let Some(desktop) = Desktop::start() else {
        return;
    };
    let url = desktop.db_url();
    seed_safety_vault(&desktop).await;
    let ui = std::sync::Arc::new(Ui {
        c: desktop.connect().await,
    });
    ui.until("the app to load", "document.body.dataset.ready === 'true'")
        .await;
    let mut failed = Vec::new();
    macro_rules! step {
        ($name:ident $(, $arg:ident)*) => {{
            let ui2 = ui.clone();
            $(let $arg = $arg.clone();)*
            step(&ui, &mut failed, stringify!($name), async move {
                $name(&ui2 $(, &$arg)*).await
            })
            .await;
        }};
    }
    step!(enter_creates_and_saves);
    step!(saving_details_keeps_other_metadata, url);
    step!(a_late_reveal_stays_with_its_record);
    step!(an_edit_outlives_the_reveal_timer);
    step!(a_purge_keeps_its_cancel_in_sight, url);
    step!(a_running_import_stays_in_sight, url);
    step!(a_plaintext_export_keeps_its_dialog);
    step!(the_idle_lock_keeps_unsaved_details);
    ui.c.clone().close().await.unwrap();
    assert!(failed.is_empty(), "failed steps: {failed:?}");
}

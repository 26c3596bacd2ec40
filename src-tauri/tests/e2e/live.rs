//! Two windows on one PostgreSQL vault see each other's changes live: a record created
//! in one appears in the other without a reload; a record open in a dialog that the
//! other window changed says so, keeps what was typed, refuses a save over the change
//! until the person keeps theirs, and then saves it.

use serde_json::json;

use crate::desktop::{Desktop, in_ci};
use crate::library;
use crate::pages::Vault;
use crate::ui::q;

/// A database of this test's own on the shared PostgreSQL server, dropped afterwards.
struct PgDatabase {
    server: String,
    name: String,
}

impl PgDatabase {
    fn psql(server: &str, sql: &str) -> bool {
        std::process::Command::new("psql")
            .args([server, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// `None` (after saying so) when the server cannot be reached outside CI.
    fn create() -> Option<Self> {
        let server = std::env::var("VAULTSTORE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = format!("vaultstore_e2e_live_{}", std::process::id());
        let _ = Self::psql(&server, &format!("DROP DATABASE IF EXISTS {name}"));
        if !Self::psql(&server, &format!("CREATE DATABASE {name}")) {
            assert!(
                !in_ci(),
                "CI=true and PostgreSQL at {server} is unreachable"
            );
            eprintln!("SKIPPED live updates: PostgreSQL at {server} is unreachable");
            return None;
        }
        Some(Self { server, name })
    }

    fn url(&self) -> String {
        let (base, _) = self.server.rsplit_once('/').expect("a URL with a database");
        format!("{base}/{}", self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Self::psql(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_on_one_postgres_vault_see_each_others_changes() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let url = db.url();
    let env = [("VAULTSTORE_DB", url.as_str())];
    let Some(first) = Desktop::start_with(&env).await else {
        return;
    };
    let Some(second) = Desktop::start_with(&env).await else {
        return;
    };
    let a = first.open_window().await;
    let b = second.open_window().await;
    let (va, vb) = (Vault(&a), Vault(&b));

    // Created in A, listed in B without a reload.
    va.create("shared-secret-value", "Shared", "", "never")
        .await;
    va.until_rows(&["Shared"]).await;
    vb.until_rows(&["Shared"]).await;

    // B opens it and starts typing new details; A renames it meanwhile.
    let in_b = vb.open_record("Shared").await;
    in_b.open_details().await;
    in_b.fill_detail("notes", "typed in B, not saved yet").await;
    let in_a = va.open_record("Shared").await;
    in_a.open_details().await;
    in_a.fill_detail("label", "Renamed in A").await;
    in_a.save_details().await;
    a.expect_toast("Details saved").await;
    in_a.close().await;

    // B is told, keeps what was typed, and its save over A's change is refused.
    let note = "#record-dialog [data-role=changed-note]";
    b.until("the changed note", &format!("!{}.hidden", q(note)))
        .await;
    assert_eq!(
        in_b.detail("notes").await,
        json!("typed in B, not saved yet"),
        "what B typed stays"
    );
    in_b.save_details().await;
    b.until(
        "the save refused",
        &format!(
            "{}.textContent.includes('Changed by someone else')",
            q("#record-dialog [data-for=form]")
        ),
    )
    .await;
    assert_eq!(
        library::stored_metadata(&url, "Renamed in A").await.notes,
        None,
        "A's change stands"
    );
    // "Keep mine", then save: B's details replace A's (which stay in History).
    b.click("#record-dialog [data-action=keep-mine]").await;
    in_b.save_details().await;
    b.expect_toast("Details saved").await;
    let stored = library::stored_metadata(&url, "Shared").await;
    assert_eq!(stored.notes.as_deref(), Some("typed in B, not saved yet"));
    // And A's table follows: the row is labelled as B saved it.
    va.until_rows(&["Shared"]).await;
    a.quit().await;
    b.quit().await;
}

/// The server goes away while a window is open with a dialog half filled: the window
/// says so, keeps what was typed, refuses to save without half-applying anything, and
/// carries on once the server is back; the save then creates the record exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_loses_nothing_typed_and_nothing_half_applied() {
    let Some(server) = crate::private_server::PrivatePostgres::start() else {
        return;
    };
    let url = server.url();
    let Some(desktop) = Desktop::start_with(&[("VAULTSTORE_DB", url.as_str())]).await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.create("before-secret", "Before", "", "never").await;
    vault.until_rows(&["Before"]).await;

    let create = vault.new_record().await;
    create.fill_value("typed-while-down").await;
    create
        .fill_passwords(crate::PASSWORD, crate::PASSWORD)
        .await;
    create.fill_label("During").await;
    server.down();
    window
        .until(
            "the title to say the database is unreachable",
            "document.title.includes('unreachable')",
        )
        .await;
    create.submit().await;
    window
        .until_within(
            "the save to fail",
            &format!("{}.textContent !== ''", q("#create-dialog [data-for=form]")),
            std::time::Duration::from_secs(30),
        )
        .await;
    assert!(window.dialog_is_open("create-dialog").await);
    assert_eq!(
        window.value_of("#create-dialog [name=label]").await,
        json!("During"),
        "what was typed stays"
    );

    server.up();
    window
        .until_within(
            "the title to be back",
            "document.title === 'VaultStore'",
            std::time::Duration::from_secs(30),
        )
        .await;
    create.submit().await;
    window.until_dialog_closed("create-dialog").await;
    vault.until_rows(&["Before", "During"]).await;
    assert_eq!(library::count_all(&url).await, 2, "created exactly once");
    window.quit().await;
}

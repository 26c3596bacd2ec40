//! Authority: a change that can lock the owner out of a record, or destroy it, needs
//! proof typed now. An opened record in an unlocked window is not enough, whether the
//! change comes from the dialogs or from a script calling the backend directly.

use serde_json::json;

use crate::PASSWORD;
use crate::desktop::Desktop;
use crate::library;
use crate::pages::Vault;

const SECRET: &str = "imap://me:mail-secret@mail.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_record_does_not_authorise_changes_that_lock_the_owner_out() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    // Created in the window: the record is open (its key remembered) from now on.
    vault.create(SECRET, "Mail", "", "never").await;
    vault.until_a_record_open().await;
    let token = library::token_of(&url, "Mail").await;

    let edit = json!({"token": token, "value": "overwritten", "password": null});
    let edit = window
        .invoke_sealing("update_value", edit, &["value", "password"])
        .await;
    assert!(
        edit.is_err(),
        "a value edit without the password typed now: {edit:?}"
    );
    let rekey = json!({"token": token, "old": null, "new": "a-strangers-password-1"});
    let rekey = window
        .invoke_sealing("rekey_record", rekey, &["old", "new"])
        .await;
    assert!(
        rekey.is_err(),
        "a rekey without the current password: {rekey:?}"
    );
    assert_eq!(
        library::read(&url, &token, PASSWORD).await,
        Ok(SECRET.to_owned()),
        "the owner's password still opens the original value"
    );

    // Delete forever needs the token typed as confirmation, in the Trash too.
    let trashed = window
        .invoke("soft_delete_record", json!({"token": token}))
        .await;
    assert!(trashed.is_ok(), "{trashed:?}");
    for confirm in [json!(null), json!("yes")] {
        let delete = json!({"token": token, "confirm": confirm});
        let delete = window.invoke("delete_record", delete).await;
        assert!(
            delete.is_err(),
            "delete forever confirmed by {confirm}: {delete:?}"
        );
    }
    assert!(
        library::exists(&url, &token).await,
        "the record is still there"
    );

    // The window asks for exactly that: the Trash's delete has the token typed.
    let trash = vault.show_trash().await;
    trash.delete_forever("Mail").await;
    trash.until_rows(&[]).await;
    assert!(
        !library::exists(&url, &token).await,
        "deleted once confirmed"
    );
    window.quit().await;
}

/// What crosses the IPC is sealed: a password sent in plain text is refused, and a value
/// comes back as ciphertext the page opens (the backend process keeps IPC buffers it
/// cannot wipe).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_cross_the_ipc_sealed() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.create(SECRET, "Mail", "", "never").await;
    let token = library::token_of(&url, "Mail").await;

    let plain = json!({"token": token, "password": PASSWORD});
    let plain = window.invoke("reveal_value", plain).await;
    assert!(plain.is_err(), "a password in plain text: {plain:?}");

    let sealed = json!({"token": token, "password": PASSWORD});
    let answer = window
        .invoke_sealing("reveal_value", sealed, &["password"])
        .await
        .expect("a sealed password opens the record");
    assert!(
        answer["value"]["sealed"].is_string(),
        "the value comes back sealed: {answer}"
    );
    assert!(!answer.to_string().contains(SECRET), "{answer}");
    window.quit().await;
}

/// With "hide the list while locked", a Lock takes every row off the screen (and out of
/// the page) until the person asks for the list again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_stays_hidden_while_locked_when_asked() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.create(SECRET, "Mail", "", "never").await;
    vault.until_rows(&["Mail"]).await;
    let settings = vault.open_settings().await;
    settings.hide_list_when_locked().await;
    settings.save().await;
    assert_eq!(vault.rows().await, ["Mail"], "shown while unlocked");

    vault.lock().await;
    vault.until_list_hidden().await;
    assert!(
        !window.is("document.body.innerText.includes('Mail')").await,
        "no label on screen while locked"
    );
    vault.show_list().await;
    vault.until_rows(&["Mail"]).await;
    window.quit().await;
}

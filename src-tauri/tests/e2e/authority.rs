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
    let edit = window.invoke("update_value", edit).await;
    assert!(
        edit.is_err(),
        "a value edit without the password typed now: {edit:?}"
    );
    let rekey = json!({"token": token, "old": null, "new": "a-strangers-password-1"});
    let rekey = window.invoke("rekey_record", rekey).await;
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

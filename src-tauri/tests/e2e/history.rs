//! History and Activity in the window: an overwritten value is listed in the record's
//! History and comes back with the password it had; the Activity dialog shows who did
//! what, a copy apart from a reveal, and checks the log's chain.

use std::time::Duration;

use serde_json::json;

use crate::PASSWORD;
use crate::desktop::Desktop;
use crate::library;
use crate::pages::Vault;
use crate::ui::q;

const FIRST: &str = "first-secret-value";
const SECOND: &str = "second-secret-value";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overwritten_value_comes_back_from_history_and_activity_shows_it() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.create(FIRST, "Mail", "", "never").await;
    vault.until_rows(&["Mail"]).await;
    let token = library::token_of(&url, "Mail").await;

    let record = vault.open_record("Mail").await;
    record.until_revealed().await;
    record.edit_value(SECOND).await;
    record.save_value(PASSWORD).await;
    window.expect_toast("Value saved").await;
    assert_eq!(
        library::read(&url, &token, PASSWORD).await,
        Ok(SECOND.to_owned())
    );
    // Copy without showing, from the password prompt the save went back to.
    record.fill_password(PASSWORD).await;
    window
        .click("#record-dialog [data-action=copy-with-password]")
        .await;
    window.expect_toast("Copied").await;

    // History lists both versions, newest first, and never a value.
    window
        .click("#record-dialog details[data-role=history] summary")
        .await;
    let versions = "#record-dialog [data-role=versions] li";
    window
        .until(
            "two versions",
            &format!(
                "document.querySelectorAll({}).length === 2",
                json!(versions)
            ),
        )
        .await;
    let listed = window
        .js(&format!(
            "return [...document.querySelectorAll({})].map(li => li.textContent);",
            json!(versions)
        ))
        .await;
    let listed = listed.to_string();
    assert!(
        listed.contains("Version 2") && listed.contains("Version 1"),
        "{listed}"
    );
    assert!(listed.contains("value or password"), "{listed}");
    assert!(
        !listed.contains(FIRST) && !listed.contains(SECOND),
        "{listed}"
    );

    // Restore version 1 from the keyboard: its password, then Enter.
    window
        .click("#record-dialog [data-role=versions] li[data-version='1'] button")
        .await;
    window
        .until(
            "the version's password field",
            &format!(
                "!{}.hidden",
                q("#record-dialog [data-role=restore-version]")
            ),
        )
        .await;
    window
        .fill(
            "#record-dialog input[name=versionPassword]",
            "not-the-password-1",
        )
        .await;
    window
        .press_enter("#record-dialog input[name=versionPassword]")
        .await;
    window
        .until(
            "the wrong password named",
            &format!(
                "{}.textContent !== ''",
                q("#record-dialog [data-for=versionPassword]")
            ),
        )
        .await;
    assert_eq!(
        window
            .value_of("#record-dialog input[name=versionPassword]")
            .await,
        json!("not-the-password-1"),
        "what was typed stays after the error"
    );
    window
        .fill("#record-dialog input[name=versionPassword]", PASSWORD)
        .await;
    window
        .press_enter("#record-dialog input[name=versionPassword]")
        .await;
    window
        .expect_toast("Version 1 is the current value again")
        .await;
    assert_eq!(
        library::read(&url, &token, PASSWORD).await,
        Ok(FIRST.to_owned())
    );
    window
        .until(
            "three versions",
            &format!(
                "document.querySelectorAll({}).length === 3",
                json!(versions)
            ),
        )
        .await;
    // The restore was this dialog's own change: it is not reported as someone else's,
    // and a save of the details after it goes through.
    window
        .let_time_pass(
            Duration::from_secs(2),
            "the dialog called its own restore someone else's change",
            &format!("{}.hidden", q("#record-dialog [data-role=changed-note]")),
        )
        .await;
    record.open_details().await;
    record.fill_detail("label", "Mail (restored)").await;
    window.clear_toasts().await;
    record.save_details().await;
    window.expect_toast("Details saved").await;
    record.close().await;

    // Activity: newest first, a copy apart from a reveal, the chain intact.
    window.click("#btn-more").await;
    window.click("#btn-activity").await;
    window.until_dialog_open("activity-dialog").await;
    let rows = "#activity-dialog [data-role=activity-rows] tr";
    window
        .until(
            "the activity rows",
            &format!("document.querySelectorAll({}).length >= 4", json!(rows)),
        )
        .await;
    let actions = window
        .js(&format!(
            "return [...document.querySelectorAll({})].map(r => r.children[2].textContent);",
            json!(rows)
        ))
        .await;
    let actions: Vec<String> = serde_json::from_value(actions).unwrap();
    // Newest first (the test's own reads through the library are reveals too).
    let at = |want: &str| actions.iter().position(|a| a == want);
    for want in ["create", "reveal", "update", "copy", "restore-version"] {
        assert!(at(want).is_some(), "{want} in {actions:?}");
    }
    assert!(
        at("restore-version") < at("copy") && at("copy") < at("update"),
        "{actions:?}"
    );
    assert!(at("update") < at("create"), "{actions:?}");
    window
        .click("#activity-dialog [data-action=verify-activity]")
        .await;
    window
        .until(
            "the chain checked",
            &format!(
                "{}.textContent.includes('intact')",
                q("#activity-dialog [data-role=activity-status]")
            ),
        )
        .await;
    window.quit().await;
}

/// Restore to a moment, from the Trash view: a preview says what would change, Restore
/// does exactly that, and nothing is lost (a record made since goes to the Trash).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trash_view_restores_the_vault_to_a_moment_after_a_preview() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.create(FIRST, "Mail", "", "never").await;
    vault.until_rows(&["Mail"]).await;
    let token = library::token_of(&url, "Mail").await;
    // The moment: whole seconds (the picker's precision), after the create, before what
    // follows.
    let second = std::time::Duration::from_millis(1200);
    window
        .let_time_pass(second, "a second after the create", "true")
        .await;
    let moment = window
        .js(
            "const d = new Date(); const p = (n) => String(n).padStart(2, '0');
             return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;",
        )
        .await;
    window
        .let_time_pass(second, "a second before the changes", "true")
        .await;
    let record = vault.open_record("Mail").await;
    record.until_revealed().await;
    record.edit_value(SECOND).await;
    record.save_value(PASSWORD).await;
    window.expect_toast("Value saved").await;
    record.close().await;
    vault.create("later-secret", "Later", "", "never").await;
    vault.until_rows(&["Mail", "Later"]).await;

    vault.show_trash().await;
    window.click("#btn-restore-to").await;
    window.until_dialog_open("restore-to-dialog").await;
    window
        .js_args(
            "const input = document.querySelector('#restore-to-dialog [name=restoreAt]');
             input.value = arguments[0]; input.dispatchEvent(new Event('input'));",
            vec![moment],
        )
        .await;
    assert!(
        window
            .is(
                "document.querySelector('#restore-to-dialog [data-action=run-restore-to]').disabled"
            )
            .await,
        "no Restore before a preview"
    );
    // A preview answered after the fields changed is dropped: Restore runs only what the
    // fields show and a preview showed (another writer holds the vault meanwhile, so
    // the answer comes after the edit).
    let held = library::WriteLock::take(&url).await;
    window
        .press_enter("#restore-to-dialog [name=restorePrefix]")
        .await;
    window
        .fill("#restore-to-dialog [name=restorePrefix]", "tk_")
        .await;
    held.release().await;
    window
        .let_time_pass(
            Duration::from_millis(1500),
            "a preview of other fields turned Restore on",
            "document.querySelector('#restore-to-dialog [data-action=run-restore-to]').disabled",
        )
        .await;
    window
        .js(
            "const i = document.querySelector('#restore-to-dialog [name=restorePrefix]'); \
             i.value = ''; i.dispatchEvent(new Event('input'));",
        )
        .await;
    window
        .press_enter("#restore-to-dialog [name=restorePrefix]")
        .await;
    let summary = "#restore-to-dialog [data-role=restore-to-summary]";
    window
        .until(
            "the preview",
            &format!(
                "{}.textContent.includes('2 records would change')",
                q(summary)
            ),
        )
        .await;
    let listed = window
        .text_of("#restore-to-dialog [data-role=restore-to-list]")
        .await;
    assert!(
        listed.to_string().contains(&format!("{token}: restored")),
        "{listed}"
    );
    assert_eq!(
        library::read(&url, &token, PASSWORD).await,
        Ok(SECOND.to_owned()),
        "a preview changes nothing"
    );
    window
        .click("#restore-to-dialog [data-action=run-restore-to]")
        .await;
    window.expect_toast("2 records put back as they were").await;
    assert_eq!(
        library::read(&url, &token, PASSWORD).await,
        Ok(FIRST.to_owned())
    );
    let later = library::token_of(&url, "Later").await;
    assert!(
        library::trashed(&url, &later).await,
        "made since: in the Trash, not gone"
    );
    window.quit().await;
}

//! One page object per part of the window: the vault and trash views and each dialog,
//! with what a user does there in their words. The selectors live here; the stories
//! read as steps.

use serde_json::{Value, json};

use crate::PASSWORD;
use crate::ui::{Ui, q};

/// Any record whose row shows it open (its password remembered), as JavaScript.
const A_RECORD_OPEN: &str = "[...document.querySelectorAll('#records td.status')].some(td => td.textContent.includes('open'))";

/// The table of records shown by the vault and the trash views.
async fn rows(ui: &Ui) -> Vec<String> {
    let v = ui
        .js("return [...document.querySelectorAll('#records tbody tr')].map(r => r.querySelector('td.label').textContent);")
        .await;
    serde_json::from_value(v).unwrap()
}

async fn until_rows(ui: &Ui, want: &[&str]) {
    let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    ui.poll("the rows", std::time::Duration::from_secs(15), async || {
        let mut got = rows(ui).await;
        got.sort();
        if got == want {
            Ok(())
        } else {
            Err(format!("rows {got:?}, wanted {want:?}"))
        }
    })
    .await;
}

async fn until_rows_in_order(ui: &Ui, want: &[&str]) {
    ui.poll(
        "the rows in order",
        std::time::Duration::from_secs(15),
        async || {
            let got = rows(ui).await;
            if got == want {
                Ok(())
            } else {
                Err(format!("rows {got:?}, wanted {want:?}"))
            }
        },
    )
    .await;
}

/// Waits until the table shows `view`'s rows: until then the rows on screen are the
/// last view's, and one clicked may be replaced under the pointer.
async fn until_view(ui: &Ui, view: &str) {
    ui.until(
        &format!("the {view} rows"),
        &format!("document.querySelector('#records[data-view={view}]:not([aria-busy])')"),
    )
    .await;
}

/// Opens a record by clicking its row.
async fn open_record<'a>(ui: &'a Ui, label: &str) -> RecordDialog<'a> {
    ui.click_xpath(&format!(
        "//table[@id='records']//tr[td[@class='label'][text()='{label}']]/td[@class='token']"
    ))
    .await;
    ui.until_dialog_open(RecordDialog::ID).await;
    RecordDialog(ui)
}

/// The main view: the records table, search and filters, the header and its menu.
pub struct Vault<'a>(pub &'a Ui);

impl<'a> Vault<'a> {
    pub async fn rows(&self) -> Vec<String> {
        rows(self.0).await
    }

    /// Waits until the table lists exactly these labels, in any order.
    pub async fn until_rows(&self, want: &[&str]) {
        until_rows(self.0, want).await;
    }

    pub async fn until_total(&self, text: &str) {
        self.0
            .until(
                &format!("the total {text:?}"),
                &format!(
                    "document.getElementById('total').textContent === {}",
                    json!(text)
                ),
            )
            .await;
    }

    pub async fn open_record(&self, label: &str) -> RecordDialog<'a> {
        open_record(self.0, label).await
    }

    /// Waits until the row of `label` shows it open (its password remembered).
    pub async fn until_record_open(&self, label: &str) {
        self.0
            .until(
                &format!("{label} to show open"),
                &format!(
                    "[...document.querySelectorAll('#records tbody tr')].some(r => r.querySelector('td.label').textContent === {} && r.querySelector('td.status').textContent.includes('open'))",
                    json!(label)
                ),
            )
            .await;
    }

    pub async fn until_a_record_open(&self) {
        self.0.until("a record to show open", A_RECORD_OPEN).await;
    }

    pub async fn until_no_record_open(&self) {
        self.0
            .until("no record to show open", &format!("!({A_RECORD_OPEN})"))
            .await;
    }

    pub async fn search(&self, text: &str) {
        self.0.fill("#search", text).await;
    }

    /// Empties the search box (clearing fires no `input`, so it is sent as typing would).
    pub async fn clear_search(&self) {
        self.0.fill("#search", "").await;
        self.0
            .js("document.getElementById('search').dispatchEvent(new Event('input'))")
            .await;
    }

    /// The search box's text.
    pub async fn search_text(&self) -> Value {
        self.0.value_of("#search").await
    }

    /// A click on the tag chip `tag` of the first row that carries it.
    pub async fn click_tag(&self, tag: &str) {
        self.0
            .click(&format!("#records button[data-tag={}]", json!(tag)))
            .await;
    }

    /// The tag list's entries ("prod (2)"), after its first ("Tags…").
    pub async fn tag_list(&self) -> Value {
        self.0
            .js("return [...document.querySelectorAll('#tag-list option')].slice(1).map((o) => o.textContent)")
            .await
    }

    /// Chooses `tag` in the tag list.
    pub async fn choose_tag(&self, tag: &str) {
        self.0.choose("#tag-list", tag).await;
    }

    /// Ctrl+A with the focus on the first row: every record the filter matches.
    pub async fn select_all_matching(&self) {
        self.0
            .type_more("#records tbody tr", "\u{E009}a\u{E000}")
            .await;
        self.0
            .until(
                "the selection toolbar",
                "!document.getElementById('bulk-bar').hidden",
            )
            .await;
    }

    /// Ctrl+Z with the focus on the Vault tab (there may be no row): undo the last change.
    pub async fn undo_with_keyboard(&self) {
        self.0.type_more("#view-vault", "\u{E009}z\u{E000}").await;
    }

    /// What the selection toolbar says of the selection.
    pub async fn selection_text(&self) -> Value {
        self.0.text_of("#bulk-bar [data-role=count]").await
    }

    /// A bulk action of the selection toolbar (`renew`, `addTag`, `softDelete`…).
    pub async fn bulk(&self, kind: &str) -> BulkDialog<'a> {
        self.0.click(&format!("#bulk-bar [data-bulk={kind}]")).await;
        self.0.until_dialog_open(BulkDialog::ID).await;
        BulkDialog(self.0)
    }

    /// The expiry filter: `all`, `expiring`, `never`, ...
    pub async fn show_expiry(&self, filter: &str) {
        self.0.choose("#expiry", filter).await;
    }

    /// The expiry filter as its control shows it.
    pub async fn expiry_filter(&self) -> Value {
        self.0.value_of("#expiry").await
    }

    /// Waits until the banner over the list reads `text` ("1 expired · 2 expire …").
    pub async fn until_banner(&self, text: &str) {
        self.0
            .until(
                &format!("the banner {text:?}"),
                &format!(
                    "{}.innerText.replace(/\\s+/g, ' ').trim() === {}",
                    q("#expiry-banner"),
                    json!(text)
                ),
            )
            .await;
    }

    /// Clicks the banner's part for `filter`: `expired` or `expiring`.
    pub async fn click_banner(&self, filter: &str) {
        self.0
            .click(&format!("#expiry-banner button[data-filter={filter}]"))
            .await;
    }

    pub async fn lock(&self) {
        self.0.click("#btn-lock").await;
    }

    /// Locked with the list hidden: no row on screen or in the page.
    pub async fn until_list_hidden(&self) {
        self.0
            .until(
                "the list hidden while locked",
                "document.body.classList.contains('curtained') && !document.querySelector('#records tbody tr')",
            )
            .await;
    }

    pub async fn show_list(&self) {
        self.0.click("#btn-show-list").await;
    }

    pub async fn new_record(&self) -> CreateDialog<'a> {
        self.0.click("#btn-new").await;
        self.0.until_dialog_open(CreateDialog::ID).await;
        CreateDialog(self.0)
    }

    /// Creates a record sealed with `PASSWORD`, as a user fills the create dialog.
    pub async fn create(&self, value: &str, label: &str, tags: &str, expiry: &str) {
        let dialog = self.new_record().await;
        dialog.fill_value(value).await;
        dialog.fill_passwords(PASSWORD, PASSWORD).await;
        dialog.fill_label(label).await;
        dialog.fill_tags(tags).await;
        dialog.choose_expiry(expiry).await;
        dialog.submit().await;
        self.0.until_dialog_closed(CreateDialog::ID).await;
    }

    pub async fn show_trash(&self) -> Trash<'a> {
        self.0.click("#view-trash").await;
        until_view(self.0, "trash").await;
        Trash(self.0)
    }

    async fn choose_in_menu(&self, item: &str) {
        self.0.click("#btn-more").await;
        self.0.click(item).await;
    }

    pub async fn open_settings(&self) -> SettingsDialog<'a> {
        self.choose_in_menu("#btn-settings").await;
        self.0.until_dialog_open(SettingsDialog::ID).await;
        SettingsDialog(self.0)
    }

    pub async fn open_export(&self) -> ExportDialog<'a> {
        self.choose_in_menu("#btn-export").await;
        self.0.until_dialog_open(ExportDialog::ID).await;
        ExportDialog(self.0)
    }

    /// Import reads the file the (test) file dialog answers with, then shows a preview.
    pub async fn start_import(&self) -> ImportDialog<'a> {
        self.choose_in_menu("#btn-import").await;
        ImportDialog(self.0)
    }

    /// An import from KeePassXC reads the file the (test) file dialog answers with, then
    /// shows what it would create and leave behind.
    pub async fn start_keepassxc_import(&self) -> ForeignImportDialog<'a> {
        self.choose_in_menu("#btn-import-keepassxc").await;
        self.0.until_dialog_open(ForeignImportDialog::ID).await;
        ForeignImportDialog(self.0)
    }

    /// The theme switch in the menu; waits until the page shows `theme` (`light`, `dark`:
    /// the one chosen, else the system's).
    pub async fn switch_theme_to(&self, theme: &str) {
        let shown = format!(
            "(document.documentElement.dataset.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')) === '{theme}'"
        );
        if !self.0.is(&shown).await {
            self.choose_in_menu("#btn-theme").await;
        }
        self.0.until(&format!("the {theme} theme"), &shown).await;
    }

    /// Change a password everywhere: its dialog.
    pub async fn open_change_password(&self) {
        self.choose_in_menu("#btn-change-password").await;
        self.0.until_dialog_open("password-dialog").await;
    }

    /// Import a Go VaultStore table: its dialog.
    pub async fn open_go_import(&self) {
        self.choose_in_menu("#btn-import-go").await;
        self.0.until_dialog_open("go-import-dialog").await;
    }

    /// Purge expired records: the app asks first.
    pub async fn purge(&self) -> ConfirmDialog<'a> {
        self.choose_in_menu("#btn-purge").await;
        ConfirmDialog::until_open(self.0).await
    }
}

/// The Trash view: soft-deleted records, restored or deleted for good from their dialog.
pub struct Trash<'a>(&'a Ui);

impl<'a> Trash<'a> {
    pub async fn until_rows(&self, want: &[&str]) {
        until_rows(self.0, want).await;
    }

    /// Waits until the table lists exactly these labels, in this order.
    pub async fn until_rows_in_order(&self, want: &[&str]) {
        until_rows_in_order(self.0, want).await;
    }

    /// The Deleted column of each row, as shown (and shown it is: empty when hidden).
    pub async fn deleted_dates(&self) -> Vec<String> {
        let v = self
            .0
            .js("return [...document.querySelectorAll('#records tbody td.deleted-at')].map(td => td.innerText);")
            .await;
        serde_json::from_value(v).unwrap()
    }

    /// Clicks the Deleted column's header (once: newest first becomes oldest first).
    pub async fn sort_by_deleted(&self) {
        self.0
            .click("#records th[data-sort=deleted_at] button")
            .await;
    }

    /// Empty Trash: the app asks first.
    pub async fn empty(&self) -> ConfirmDialog<'a> {
        self.0.click("#btn-empty-trash").await;
        ConfirmDialog::until_open(self.0).await
    }

    pub async fn restore(&self, label: &str) {
        open_record(self.0, label)
            .await
            .click("[data-action=restore]")
            .await;
    }

    /// Delete forever, confirmed.
    pub async fn delete_forever(&self, label: &str) {
        open_record(self.0, label)
            .await
            .click("[data-action=delete-forever]")
            .await;
        ConfirmDialog::until_open(self.0).await.type_and_ok().await;
    }

    pub async fn back_to_vault(&self) -> Vault<'a> {
        self.0.click("#view-vault").await;
        until_view(self.0, "vault").await;
        Vault(self.0)
    }
}

/// A running operation's toast (a purge): its progress and Cancel stay until it ends.
pub struct RunningToast<'a>(&'a Ui);

impl<'a> RunningToast<'a> {
    /// The toast's Cancel, on screen, as JavaScript (truthy while it is).
    pub const CANCEL: &'static str = "[...document.querySelectorAll('#toasts button')].find(b => b.textContent === 'Cancel' && b.getClientRects().length > 0)";

    pub async fn until_shown(ui: &'a Ui) -> Self {
        ui.until("the running operation's Cancel", Self::CANCEL)
            .await;
        Self(ui)
    }

    pub async fn cancel(&self) {
        self.0.js(&format!("{}.click();", Self::CANCEL)).await;
    }
}

/// "New record".
pub struct CreateDialog<'a>(&'a Ui);

impl CreateDialog<'_> {
    const ID: &'static str = "create-dialog";

    async fn fill(&self, name: &str, text: &str) {
        self.0
            .fill(&format!("#create-dialog [name={name}]"), text)
            .await;
    }

    pub async fn fill_value(&self, value: &str) {
        self.fill("value", value).await;
    }

    pub async fn fill_passwords(&self, password: &str, confirm: &str) {
        self.fill("password", password).await;
        self.fill("confirm", confirm).await;
    }

    pub async fn fill_label(&self, label: &str) {
        self.fill("label", label).await;
    }

    pub async fn fill_tags(&self, tags: &str) {
        self.fill("tags", tags).await;
    }

    /// `never`, a number of days, or `custom`.
    pub async fn choose_expiry(&self, preset: &str) {
        self.0
            .choose("#create-dialog select[name=expiryPreset]", preset)
            .await;
    }

    pub async fn submit(&self) {
        self.0.click("#create-dialog [data-action=submit]").await;
    }

    pub async fn press_enter_in_label(&self) {
        self.0.press_enter("#create-dialog input[name=label]").await;
    }

    /// Cancel with a value typed: the window asks, and the answer is Discard.
    pub async fn cancel_discarding(&self) {
        self.0.click("#create-dialog button[value=cancel]").await;
        ConfirmDialog::until_open(self.0).await.ok().await;
        self.0.until_dialog_closed(Self::ID).await;
    }

    /// Waits for the message beside the password field to mention `text`.
    pub async fn until_password_error(&self, text: &str) {
        self.0
            .until(
                &format!("the password error {text:?}"),
                &format!(
                    "{}.textContent.includes({})",
                    q("#create-dialog [data-for=password]"),
                    json!(text)
                ),
            )
            .await;
    }

    /// The value as typed, still in the dialog.
    pub async fn typed_value(&self) -> Value {
        self.0.value_of("#create-dialog textarea[name=value]").await
    }

    pub async fn open_generator_options(&self) {
        if !self
            .0
            .is(&format!("{}.open", q("#create-dialog details.generator")))
            .await
        {
            self.0
                .click("#create-dialog details.generator summary")
                .await;
        }
    }

    /// `characters` or `passphrase`.
    pub async fn choose_generator(&self, kind: &str) {
        self.0
            .choose("#create-dialog select[name=genKind]", kind)
            .await;
    }

    /// A number field of the generator (`genLength`, `genWords`), typed and left, as a
    /// user does (the change is taken when the field is left).
    pub async fn set_generator_number(&self, name: &str, n: u32) {
        let css = format!("#create-dialog input[name={name}]");
        self.0.fill(&css, &n.to_string()).await;
        self.0
            .js(&format!(
                "{}.dispatchEvent(new Event('change', {{bubbles: true}}))",
                q(&css)
            ))
            .await;
    }

    pub async fn choose_separator(&self, separator: &str) {
        self.0
            .choose("#create-dialog select[name=genSeparator]", separator)
            .await;
    }

    /// Ticks or clears a generator box (`genUppercase`, `genDigits`, `genCapitalize`…).
    pub async fn set_generator_flag(&self, name: &str, on: bool) {
        let css = format!("#create-dialog input[name={name}]");
        if self.0.is(&format!("{}.checked", q(&css))).await != on {
            self.0.click(&css).await;
        }
    }

    pub async fn generate(&self) {
        self.0.click("#create-dialog [data-action=generate]").await;
    }

    /// The password field as it stands (the generator shows what it drew).
    pub async fn password(&self) -> String {
        let v = self.0.value_of("#create-dialog input[name=password]").await;
        v.as_str().unwrap_or_default().to_owned()
    }

    pub async fn strength_hint(&self) -> String {
        let v = self.0.text_of("#create-dialog [data-role=strength]").await;
        v.as_str().unwrap_or_default().to_owned()
    }
}

/// One record: reveal, show, edit, details, trash.
pub struct RecordDialog<'a>(&'a Ui);

impl RecordDialog<'_> {
    const ID: &'static str = "record-dialog";
    pub const UNLOCK: &'static str = "#record-dialog [data-role=unlock]";
    pub const VALUE: &'static str = "#record-dialog [data-role=value]";
    pub const NEW_VALUE: &'static str = "#record-dialog textarea[name=newValue]";
    /// The note the idle lock leaves in the dialog, as JavaScript.
    pub const LOCKED: &'static str = "document.querySelector('#record-dialog [data-role=lock-note]')?.textContent.includes('Locked')";

    async fn click(&self, inner: &str) {
        self.0.click(&format!("#record-dialog {inner}")).await;
    }

    pub async fn fill_password(&self, password: &str) {
        self.0
            .fill("#record-dialog input[name=password]", password)
            .await;
    }

    /// Types the password and presses Reveal (the answer comes later).
    pub async fn reveal_with(&self, password: &str) {
        self.fill_password(password).await;
        self.open_with_typed_password().await;
    }

    /// Presses Reveal with the password field as it is.
    pub async fn open_with_typed_password(&self) {
        self.click("[data-action=open]").await;
    }

    pub async fn until_password_error(&self, text: &str) {
        self.0
            .until(
                &format!("the password error {text:?}"),
                &format!(
                    "{}.textContent.includes({})",
                    q("#record-dialog [data-for=password]"),
                    json!(text)
                ),
            )
            .await;
    }

    /// Waits for the value section (masked until Show).
    pub async fn until_revealed(&self) {
        self.0
            .until("the value section", &format!("!{}.hidden", q(Self::VALUE)))
            .await;
    }

    pub async fn until_value_section_hidden(&self) {
        self.0
            .until(
                "the value section to hide",
                &format!("{}.hidden", q(Self::VALUE)),
            )
            .await;
    }

    /// Reveal, Close and a click on the row of `other`, in one script: faster than
    /// WebDriver clicks can be, so the reveal is answered after `other` is shown.
    pub async fn reveal_then_open(&self, other: &str) {
        self.0
            .js(&format!(
                "document.querySelector('#record-dialog [data-action=open]').click();
                 document.querySelector('#record-dialog button[value=close]').click();
                 [...document.querySelectorAll('#records tbody tr')].find(r => r.querySelector('td.label').textContent === {}).querySelector('td.token').click();",
                json!(other)
            ))
            .await;
    }

    pub async fn is_open(&self) -> bool {
        self.0.dialog_is_open(Self::ID).await
    }

    /// Waits for the hint beside the value (reveal timer, kept edit) to mention `text`.
    pub async fn until_hint(&self, text: &str) {
        self.0
            .until(
                &format!("the value hint {text:?}"),
                &format!(
                    "{}.textContent.includes({})",
                    q("#record-dialog [data-role=value-hint]"),
                    json!(text)
                ),
            )
            .await;
    }

    /// The new value typed in an edit.
    pub async fn typed_value(&self) -> Value {
        self.0.value_of(Self::NEW_VALUE).await
    }

    /// Waits, up to `limit`, for the note a lock leaves in the dialog; returns it.
    pub async fn until_lock_note(&self, limit: std::time::Duration) -> String {
        self.0
            .until_within("the lock note", Self::LOCKED, limit)
            .await;
        let note = self.0.text_of("#record-dialog [data-role=lock-note]").await;
        note.as_str().unwrap().to_owned()
    }

    /// Show / Hide.
    pub async fn toggle_shown(&self) {
        self.click("[data-action=toggle]").await;
    }

    pub async fn until_value_shown(&self, value: &str) {
        self.0
            .until(
                &format!("the value {value:?}"),
                &format!(
                    "{}.textContent === {}",
                    q("#record-dialog [data-role=value-text]"),
                    json!(value)
                ),
            )
            .await;
    }

    /// Waits until no reveal is in flight (Reveal is enabled again).
    pub async fn until_settled(&self) {
        self.0
            .until(
                "the record dialog to settle",
                &format!("!{}.disabled", q("#record-dialog [data-action=open]")),
            )
            .await;
    }

    /// The dialog asks for the password and shows no value.
    pub async fn asks_for_password(&self) -> bool {
        self.0
            .is(&format!(
                "!{}.hidden && {}.hidden",
                q(Self::UNLOCK),
                q(Self::VALUE)
            ))
            .await
    }

    /// Starts an edit of the value and types `text`.
    pub async fn edit_value(&self, text: &str) {
        self.click("[data-action=edit-value]").await;
        self.0.fill(Self::NEW_VALUE, text).await;
    }

    /// Saves the edited value with the record's password typed now.
    pub async fn save_value(&self, password: &str) {
        self.0
            .fill("#record-dialog input[name=editPassword]", password)
            .await;
        self.click("[data-action=save-value]").await;
    }

    pub async fn copy(&self) {
        self.click("[data-action=copy]").await;
    }

    pub async fn trash(&self) {
        self.click("[data-action=trash]").await;
    }

    /// Presses Close (the dialog may ask first).
    pub async fn close(&self) {
        self.click("button[value=close]").await;
    }

    pub async fn title(&self) -> Value {
        self.0.text_of("#record-title").await
    }

    /// Opens "Details, password and expiry" (it stays open from an earlier record).
    pub async fn open_details(&self) {
        if !self
            .0
            .is("document.querySelector('#record-dialog details[data-role=more]').open")
            .await
        {
            self.click("details[data-role=more] summary").await;
        }
    }

    /// A details field: `label`, `notes`, `url`, `username`, ...
    pub async fn fill_detail(&self, name: &str, text: &str) {
        self.0
            .fill(&format!("#record-dialog [name={name}]"), text)
            .await;
    }

    pub async fn detail(&self, name: &str) -> Value {
        self.0
            .js(&format!(
                "return {}?.value;",
                q(&format!("#record-dialog [name={name}]"))
            ))
            .await
    }

    pub async fn type_in_detail(&self, name: &str, text: &str) {
        self.0
            .type_more(&format!("#record-dialog [name={name}]"), text)
            .await;
    }

    pub async fn press_enter_in(&self, name: &str) {
        self.0
            .press_enter(&format!("#record-dialog [name={name}]"))
            .await;
    }

    pub async fn save_details(&self) {
        self.click("[data-action=save-details]").await;
    }
}

/// The app's "are you sure?" question.
pub struct ConfirmDialog<'a>(&'a Ui);

impl<'a> ConfirmDialog<'a> {
    const ID: &'static str = "confirm-dialog";

    pub async fn until_open(ui: &'a Ui) -> Self {
        ui.until_dialog_open(Self::ID).await;
        Self(ui)
    }

    pub async fn ok(&self) {
        self.0.click("#confirm-dialog [data-role=ok]").await;
    }

    /// What the dialog says.
    pub async fn message(&self) -> String {
        let v = self.0.text_of("#confirm-dialog [data-role=message]").await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Types what the dialog asks to be typed ("Type X to confirm:"), as a user reading
    /// it would, then confirms.
    pub async fn type_and_ok(&self) {
        let prompt = self
            .0
            .text_of("#confirm-dialog [data-role=typed-prompt]")
            .await;
        let prompt = prompt.as_str().unwrap_or_default();
        let expected = prompt
            .strip_prefix("Type ")
            .and_then(|rest| rest.strip_suffix(" to confirm:"))
            .unwrap_or_else(|| panic!("the dialog asks for nothing to type: {prompt:?}"));
        self.0
            .fill("#confirm-dialog input[name=typed]", expected)
            .await;
        self.ok().await;
    }

    pub async fn cancel(&self) {
        self.0.click("#confirm-dialog button[value=cancel]").await;
    }
}

/// Settings: reveal time and idle lock.
pub struct SettingsDialog<'a>(&'a Ui);

impl SettingsDialog<'_> {
    const ID: &'static str = "settings-dialog";
    const IDLE: &'static str = "#settings-dialog input[name=idleLockMinutes]";

    pub async fn fill_reveal_seconds(&self, seconds: &str) {
        self.0
            .fill("#settings-dialog input[name=revealSeconds]", seconds)
            .await;
    }

    pub async fn fill_idle_lock_minutes(&self, minutes: &str) {
        self.0.fill(Self::IDLE, minutes).await;
    }

    /// The "expires soon" window, in days.
    pub async fn fill_expiring_soon_days(&self, days: &str) {
        self.0
            .fill("#settings-dialog input[name=expiringSoonDays]", days)
            .await;
    }

    /// The Trash retention, in days (0 off).
    pub async fn fill_trash_retention_days(&self, days: &str) {
        self.0
            .fill("#settings-dialog input[name=trashRetentionDays]", days)
            .await;
    }

    /// Waits until the retention's preview says `text`.
    pub async fn until_retention_preview(&self, text: &str) {
        self.0
            .until(
                &format!("the retention preview {text:?}"),
                &format!(
                    "{}.textContent.includes({})",
                    q("#settings-dialog [data-role=retention-preview]"),
                    json!(text)
                ),
            )
            .await;
    }

    pub async fn save(&self) {
        self.0.click("#settings-dialog [data-action=save]").await;
        self.0.until_dialog_closed(Self::ID).await;
    }

    pub async fn press_enter_in_idle_lock_minutes(&self) {
        self.0.press_enter(Self::IDLE).await;
    }

    /// Clears "Notify me when records expire or start to expire soon".
    pub async fn turn_off_expiry_alerts(&self) {
        self.0
            .click("#settings-dialog input[name=expiryAlerts]:checked")
            .await;
    }

    /// Ticks "Hide the record list while locked".
    pub async fn hide_list_when_locked(&self) {
        self.0
            .click("#settings-dialog input[name=hideListWhenLocked]:not(:checked)")
            .await;
    }
}

/// Export: an encrypted bundle, or plain text after two questions.
pub struct ExportDialog<'a>(&'a Ui);

impl ExportDialog<'_> {
    const ID: &'static str = "export-dialog";

    /// `bundle`, `csv`, ...
    pub async fn choose_format(&self, format: &str) {
        self.0
            .choose("#export-dialog select[name=format]", format)
            .await;
    }

    pub async fn fill_plain_password(&self, password: &str) {
        self.0
            .fill("#export-dialog input[name=plainPassword]", password)
            .await;
    }

    /// "I understand the file will hold values in plain text".
    pub async fn tick_understand(&self) {
        self.0.click("#export-dialog input[name=understand]").await;
    }

    pub async fn export(&self) {
        self.0.click("#export-dialog [data-action=export]").await;
    }

    pub async fn until_form_error(&self, text: &str) {
        self.0
            .until(
                &format!("the export error {text:?}"),
                &format!(
                    "{}.textContent.includes({})",
                    q("#export-dialog [data-for=form]"),
                    json!(text)
                ),
            )
            .await;
    }

    pub async fn is_open(&self) -> bool {
        self.0.dialog_is_open(Self::ID).await
    }

    pub async fn on_screen(&self) -> bool {
        self.0.visible("#export-dialog").await
    }
}

/// Import: a preview with counts, then the import with progress and Cancel.
pub struct ImportDialog<'a>(&'a Ui);

impl ImportDialog<'_> {
    const ID: &'static str = "import-dialog";
    pub const CANCEL: &'static str = "#import-dialog [data-action=cancel]";

    fn count_css(name: &str) -> String {
        format!("#import-dialog [data-count=\"{name}\"]")
    }

    /// Waits for the preview's count `name` (e.g. "Skipped") to appear.
    pub async fn until_preview(&self) {
        self.0
            .until("the import preview", &q(&Self::count_css("Skipped")))
            .await;
    }

    /// Waits for the preview's count `name` to read `want`.
    pub async fn until_count(&self, name: &str, want: &str) {
        self.0
            .until(
                &format!("the import preview {name} = {want}"),
                &format!(
                    "{}?.textContent === {}",
                    q(&Self::count_css(name)),
                    json!(want)
                ),
            )
            .await;
    }

    pub async fn count(&self, name: &str) -> Value {
        self.0.text_of(&Self::count_css(name)).await
    }

    pub async fn import(&self) {
        self.0.click("#import-dialog [data-action=import]").await;
    }

    pub async fn until_progress(&self) {
        self.0
            .until(
                "the import's progress",
                &format!(
                    "{}.getClientRects().length > 0",
                    q("#import-dialog [data-role=progress]")
                ),
            )
            .await;
    }

    /// Esc, with the focus on Cancel.
    pub async fn press_escape(&self) {
        self.0.press_escape(Self::CANCEL).await;
    }

    pub async fn is_open(&self) -> bool {
        self.0.dialog_is_open(Self::ID).await
    }
}

/// Import from another password manager: a preview from the file, a password for the
/// new records, then the import with progress and Cancel.
pub struct ForeignImportDialog<'a>(&'a Ui);

impl ForeignImportDialog<'_> {
    const ID: &'static str = "foreign-import-dialog";

    /// Waits for the preview's count `name` (e.g. "New records") to read `want`.
    pub async fn until_count(&self, name: &str, want: &str) {
        let css = format!("#{} [data-count=\"{name}\"]", Self::ID);
        self.0
            .until(
                &format!("the import preview {name} = {want}"),
                &format!("{}?.textContent === {}", q(&css), json!(want)),
            )
            .await;
    }

    /// The lines of "The records will not keep".
    pub async fn dropped(&self) -> Value {
        self.0
            .js(&format!(
                "return [...document.querySelectorAll('#{} [data-role=dropped] li')].map((li) => li.textContent)",
                Self::ID
            ))
            .await
    }

    /// Types the new records' password, twice (`again` the second time).
    pub async fn type_passwords(&self, password: &str, again: &str) {
        self.0
            .fill(&format!("#{} [name=password]", Self::ID), password)
            .await;
        self.0
            .fill(&format!("#{} [name=password2]", Self::ID), again)
            .await;
    }

    /// Enter in the second password field: the dialog's main action, Import.
    pub async fn press_enter(&self) {
        self.0
            .press_enter(&format!("#{} [name=password2]", Self::ID))
            .await;
    }

    pub async fn error_for(&self, field: &str) -> Value {
        self.0
            .text_of(&format!("#{} [data-for={field}]", Self::ID))
            .await
    }

    pub async fn until_closed(&self) {
        self.0.until_dialog_closed(Self::ID).await;
    }

    /// The password fields' values (empty once the dialog has closed).
    pub async fn password_values(&self) -> Value {
        self.0
            .js(&format!(
                "return [...document.querySelectorAll('#{} input[type=password]')].map((i) => i.value)",
                Self::ID
            ))
            .await
    }
}

/// A bulk change: its options, the preview, Apply with progress and Cancel.
pub struct BulkDialog<'a>(&'a Ui);

impl BulkDialog<'_> {
    const ID: &'static str = "bulk-dialog";

    /// Waits for the preview's summary to contain `text` ("2 records will change").
    pub async fn until_summary(&self, text: &str) {
        self.0
            .until(
                &format!("the bulk preview {text:?}"),
                &format!(
                    "{}.textContent.includes({})",
                    q("#bulk-dialog [data-role=summary]"),
                    json!(text)
                ),
            )
            .await;
    }

    /// The preview's rows: token, before, arrow, after.
    pub async fn changes(&self) -> Value {
        self.0
            .js("return [...document.querySelectorAll('#bulk-dialog [data-role=changes] tr')].map((tr) => [...tr.cells].map((c) => c.textContent))")
            .await
    }

    pub async fn apply(&self) {
        self.0.click("#bulk-dialog [data-action=apply]").await;
        self.0.until_dialog_closed(Self::ID).await;
    }
}

/// WebDriver key codes for the table's keyboard.
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SPACE: &str = " ";
    pub const PAGE_DOWN: &str = "\u{E00F}";
    pub const END: &str = "\u{E010}";
    pub const HOME: &str = "\u{E011}";
    pub const UP: &str = "\u{E013}";
    pub const DOWN: &str = "\u{E015}";
    pub const DELETE: &str = "\u{E017}";
    pub const SHIFT: &str = "\u{E008}";
    pub const CTRL: &str = "\u{E009}";
    /// Releases the modifiers held.
    pub const RELEASE: &str = "\u{E000}";
}

/// The label of the row holding the focus (`null` when no row has it), as JavaScript.
const FOCUSED_LABEL: &str = "document.activeElement?.closest('#records tbody tr')?.querySelector('td.label')?.textContent ?? null";

/// The records table from the keyboard, and its scrolling.
impl<'a> Vault<'a> {
    /// Tab from the last column header into the table: the focus lands on its one tab stop.
    pub async fn tab_into_table(&self) {
        self.0
            .js("document.querySelector('#records th[data-sort=expires_at] button').focus();")
            .await;
        self.0.press(keys::TAB).await;
    }

    pub async fn press(&self, keys: &str) {
        self.0.press(keys).await;
    }

    /// How many rows take part in the tab order.
    pub async fn tab_stops(&self) -> Value {
        self.0
            .js("return document.querySelectorAll('#records tbody tr[tabindex=\"0\"]').length;")
            .await
    }

    /// Whether the focus is on a row of the table.
    pub async fn focus_in_table(&self) -> bool {
        self.0
            .is("document.activeElement?.closest('#records tbody tr')")
            .await
    }

    /// Waits until the row of `label` holds the focus.
    pub async fn until_focused(&self, label: &str) {
        self.0
            .until(
                &format!("the focus on {label:?}"),
                &format!("({FOCUSED_LABEL}) === {}", json!(label)),
            )
            .await;
    }

    /// Sorts by a column (`token`, `label`, `tags`, `created_at`, …) with its header.
    pub async fn sort_by(&self, column: &str) {
        self.0
            .click(&format!("#records th[data-sort={column}] button"))
            .await;
        self.0
            .until(
                "the rows in the new order",
                "document.querySelector('#records:not([aria-busy])')",
            )
            .await;
    }

    /// Moves the row focus to the row of `label` with the arrow keys, PageDown first until
    /// that row is drawn (it may be far down the list).
    pub async fn arrow_to(&self, label: &str) {
        let index_of = format!(
            "return Number([...document.querySelectorAll('#records tbody tr')].find(r => r.querySelector('td.label').textContent === {})?.dataset.index ?? -1);",
            json!(label)
        );
        let mut at = -1;
        for _ in 0..100 {
            self.until_rows_loaded().await;
            at = self.0.js(&index_of).await.as_i64().unwrap();
            if at >= 0 {
                break;
            }
            self.0.press(keys::PAGE_DOWN).await;
        }
        assert!(at >= 0, "no row labelled {label}");
        let focused = self
            .0
            .js("return Number(document.activeElement.closest('#records tbody tr').dataset.index);")
            .await
            .as_i64()
            .unwrap();
        let key = if at > focused { keys::DOWN } else { keys::UP };
        for _ in 0..(at - focused).abs() {
            self.0.press(key).await;
        }
        self.until_focused(label).await;
    }

    /// Enter on the focused row: its record opens.
    pub async fn open_focused(&self) -> RecordDialog<'a> {
        self.0.press(keys::ENTER).await;
        self.0.until_dialog_open(RecordDialog::ID).await;
        RecordDialog(self.0)
    }

    /// The record dialog, once open (opened by a key).
    pub async fn record_dialog(&self) -> RecordDialog<'a> {
        self.0.until_dialog_open(RecordDialog::ID).await;
        RecordDialog(self.0)
    }

    /// How many rows the table's DOM holds (drawn rows and rows still loading).
    pub async fn dom_rows(&self) -> u64 {
        self.0
            .js("return document.querySelectorAll('#records tbody tr').length;")
            .await
            .as_u64()
            .unwrap()
    }

    pub async fn scroll_top(&self) -> f64 {
        self.0
            .js("return document.querySelector('main').scrollTop;")
            .await
            .as_f64()
            .unwrap()
    }

    /// Drags the scrollbar to `fraction` of the way down.
    pub async fn scroll_to_fraction(&self, fraction: f64) {
        self.0
            .js(&format!(
                "const m = document.querySelector('main'); m.scrollTop = {fraction} * (m.scrollHeight - m.clientHeight);"
            ))
            .await;
    }

    /// Waits until the rows drawn are loaded and one is "record N" for an N within
    /// `within` of `near` (the records of `fill_vault`).
    pub async fn until_shows_record_near(&self, near: i64, within: i64) {
        self.0
            .until(
                &format!("a row near record {near}"),
                &format!(
                    "!document.querySelector('#records tbody tr.placeholder') && [...document.querySelectorAll('#records tbody td.label')].some(td => /^record \\d+$/.test(td.textContent) && Math.abs(Number(td.textContent.slice(7)) - {near}) <= {within})"
                ),
            )
            .await;
    }

    /// Waits until every row drawn has its record (none still loading).
    pub async fn until_rows_loaded(&self) {
        self.0
            .until(
                "the rows in view to load",
                "document.querySelector('#records tbody tr') && !document.querySelector('#records tbody tr.placeholder')",
            )
            .await;
    }

    /// Marks the row of `label` so `still_drawn` can tell whether it was redrawn.
    pub async fn mark_row(&self, label: &str) {
        self.0
            .js(&format!(
                "window.__markedRow = [...document.querySelectorAll('#records tbody tr')].find(r => r.querySelector('td.label').textContent === {});",
                json!(label)
            ))
            .await;
    }

    /// Whether the row marked is still the same element in the table (not redrawn by a
    /// reload).
    pub async fn marked_row_kept(&self) -> bool {
        self.0
            .is("window.__markedRow && window.__markedRow.isConnected")
            .await
    }
}

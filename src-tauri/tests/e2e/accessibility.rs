//! Accessibility (WCAG 2.2 AA for what the window shows): axe-core finds nothing serious
//! in any view or dialog in either theme; the focus ring and control borders stand out
//! from what is around them; the More menu and the Vault/Trash tabs work from the
//! keyboard; the New record dialog keeps its actions on screen; toasts show above an
//! open dialog.

use crate::PASSWORD;
use crate::axe::{Rgba, colours, contrast, drawn_at, serious_violations};
use crate::desktop::Desktop;
use crate::library::{LIVE, TRASHED, seed_expiring, seed_trash};
use crate::pages::Vault;
use crate::ui::Ui;

/// A KeePassXC export of one entry, for the import dialog's preview.
const KEEPASSXC: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\"\n\"Root\",\"Mail\",\"me\",\"pw\",\"https://mail.example\",\"\"\n";

/// Closes the open dialog `id` with Esc, as a keyboard user does.
async fn escape(ui: &Ui, id: &str) {
    ui.keys(ESC).await;
    ui.until_dialog_closed(id).await;
}

const ESC: &str = "\u{e00c}";

/// Scans the whole window, then each dialog a user can reach from it, in one theme.
async fn scan_every_view(window: &Ui, theme: &str) -> Vec<String> {
    let vault = Vault(window);
    vault.switch_theme_to(theme).await;
    let mut found = serious_violations(window, &format!("{theme} main view"), None).await;
    window.screenshot(&format!("theme-{theme}.png")).await;

    let trash = vault.show_trash().await;
    found.extend(serious_violations(window, &format!("{theme} Trash"), None).await);
    trash.empty().await;
    found.extend(
        serious_violations(
            window,
            &format!("{theme} confirm dialog"),
            Some("#confirm-dialog"),
        )
        .await,
    );
    escape(window, "confirm-dialog").await;
    trash.back_to_vault().await;

    vault.new_record().await;
    found.extend(
        serious_violations(
            window,
            &format!("{theme} New record"),
            Some("#create-dialog"),
        )
        .await,
    );
    escape(window, "create-dialog").await;

    let record = vault.open_record("Soon A").await;
    // The second time round, the session remembers the password: no need to type it.
    record.until_settled().await;
    if record.asks_for_password().await {
        record.reveal_with(PASSWORD).await;
    }
    record.until_revealed().await;
    record.open_details().await;
    found.extend(
        serious_violations(
            window,
            &format!("{theme} record dialog"),
            Some("#record-dialog"),
        )
        .await,
    );
    escape(window, "record-dialog").await;

    vault.open_settings().await;
    found.extend(
        serious_violations(
            window,
            &format!("{theme} settings"),
            Some("#settings-dialog"),
        )
        .await,
    );
    escape(window, "settings-dialog").await;

    let export = vault.open_export().await;
    export.choose_format("csv").await;
    found.extend(
        serious_violations(window, &format!("{theme} export"), Some("#export-dialog")).await,
    );
    escape(window, "export-dialog").await;

    vault.open_change_password().await;
    found.extend(
        serious_violations(
            window,
            &format!("{theme} change password"),
            Some("#password-dialog"),
        )
        .await,
    );
    escape(window, "password-dialog").await;

    vault.open_go_import().await;
    found.extend(
        serious_violations(
            window,
            &format!("{theme} Go import"),
            Some("#go-import-dialog"),
        )
        .await,
    );
    escape(window, "go-import-dialog").await;

    let import = vault.start_keepassxc_import().await;
    import.until_count("New records", "1").await;
    found.extend(
        serious_violations(
            window,
            &format!("{theme} KeePassXC import"),
            Some("#foreign-import-dialog"),
        )
        .await,
    );
    escape(window, "foreign-import-dialog").await;

    vault.select_all_matching().await;
    let renew = vault.bulk("renew").await;
    renew.until_summary("will change").await;
    found.extend(
        serious_violations(window, &format!("{theme} bulk renew"), Some("#bulk-dialog")).await,
    );
    escape(window, "bulk-dialog").await;
    window.keys(ESC).await; // clears the selection
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_nothing_serious_in_any_view_or_dialog_in_either_theme() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    seed_expiring(&url).await;
    seed_trash(&url).await;
    let window = desktop.open_window().await;
    std::fs::write(window.dialog_file(), KEEPASSXC).unwrap();
    Vault(&window).until_total("6 records").await;
    let mut found = scan_every_view(&window, "light").await;
    found.extend(scan_every_view(&window, "dark").await);
    assert!(
        found.is_empty(),
        "serious or critical accessibility violations:\n{}",
        found.join("\n")
    );
    window.quit().await;
}

const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";
const END: &str = "\u{e010}";
const HOME: &str = "\u{e011}";
const LEFT: &str = "\u{e012}";
const UP: &str = "\u{e013}";
const RIGHT: &str = "\u{e014}";
const DOWN: &str = "\u{e015}";
const CTRL_L: &str = "\u{e009}l\u{e000}";
/// Shift+Tab (the modifier released after it).
const SHIFT_TAB: &str = "\u{e008}\u{e004}\u{e000}";

/// The id of the focused element, as JavaScript.
const FOCUSED: &str = "document.activeElement?.id";

async fn until_focus_on(ui: &Ui, id: &str) {
    ui.until(
        &format!("the focus on #{id}"),
        &format!("{FOCUSED} === '{id}'"),
    )
    .await;
}

/// Whether the More menu is open, as JavaScript.
const MENU_OPEN: &str = "!document.getElementById('more-menu').hidden && document.getElementById('btn-more').getAttribute('aria-expanded') === 'true'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_more_menu_works_from_the_keyboard() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    window
        .js("document.getElementById('btn-more').focus()")
        .await;
    assert!(!window.is(MENU_OPEN).await, "the menu starts closed");

    // Down arrow opens it on its first item; the arrows move through it and wrap.
    window.keys(DOWN).await;
    window.until("the menu to open", MENU_OPEN).await;
    until_focus_on(&window, "btn-export").await;
    window.keys(DOWN).await;
    until_focus_on(&window, "btn-import").await;
    window.keys(UP).await;
    window.keys(UP).await;
    until_focus_on(&window, "btn-theme").await;
    window.keys(HOME).await;
    until_focus_on(&window, "btn-export").await;
    window.keys(END).await;
    until_focus_on(&window, "btn-theme").await;

    // Esc closes it and gives the focus back to its button.
    window.keys(ESC).await;
    window
        .until("the menu to close", &format!("!({MENU_OPEN})"))
        .await;
    until_focus_on(&window, "btn-more").await;

    // A click outside closes it.
    window.click("#btn-more").await;
    window.until("the menu to open", MENU_OPEN).await;
    window.click("#search").await;
    window
        .until(
            "a click outside to close the menu",
            &format!("!({MENU_OPEN})"),
        )
        .await;

    // An item chosen with Enter runs; when its dialog closes the focus is back on More.
    window
        .js("document.getElementById('btn-more').focus()")
        .await;
    window.keys(UP).await;
    until_focus_on(&window, "btn-theme").await;
    window.keys(UP).await;
    until_focus_on(&window, "btn-settings").await;
    window.keys(ENTER).await;
    window.until_dialog_open("settings-dialog").await;
    assert!(
        !window.is(MENU_OPEN).await,
        "choosing an item closes the menu"
    );
    escape(&window, "settings-dialog").await;
    until_focus_on(&window, "btn-more").await;
    window.quit().await;
}

/// The tab and panel state of the Vault/Trash tabs, as JavaScript: `[selected tab,
/// tabs reachable with Tab, the panel's label]`.
const TABS: &str = "return [document.querySelector('[role=tab][aria-selected=true]')?.id, \
    [...document.querySelectorAll('[role=tab]')].filter((t) => t.tabIndex === 0).map((t) => t.id), \
    document.querySelector('[role=tabpanel]')?.getAttribute('aria-labelledby')];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vault_and_trash_tabs_work_from_the_keyboard() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_trash(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&[LIVE]).await;
    assert_eq!(
        window.js(TABS).await,
        serde_json::json!(["view-vault", ["view-vault"], "view-vault"]),
        "the selected tab alone is in the Tab order and names the panel"
    );
    window
        .js("document.getElementById('view-vault').focus()")
        .await;

    // Right arrow: the Trash tab, selected and showing its records.
    window.keys(RIGHT).await;
    until_focus_on(&window, "view-trash").await;
    vault.until_rows(&TRASHED).await;
    assert_eq!(
        window.js(TABS).await,
        serde_json::json!(["view-trash", ["view-trash"], "view-trash"])
    );
    // Right again wraps to the Vault; Left wraps back; Home and End.
    window.keys(RIGHT).await;
    until_focus_on(&window, "view-vault").await;
    vault.until_rows(&[LIVE]).await;
    window.keys(LEFT).await;
    until_focus_on(&window, "view-trash").await;
    vault.until_rows(&TRASHED).await;
    window.keys(HOME).await;
    until_focus_on(&window, "view-vault").await;
    vault.until_rows(&[LIVE]).await;
    window.keys(END).await;
    until_focus_on(&window, "view-trash").await;
    vault.until_rows(&TRASHED).await;
    window.quit().await;
}

/// Whether the whole of `css` is on screen without scrolling anything, as JavaScript:
/// inside the window and inside its dialog's box, and nothing drawn over its middle.
fn wholly_on_screen(css: &str) -> String {
    format!(
        "(e => {{ const r = e.getBoundingClientRect(), d = e.closest('dialog').getBoundingClientRect(); \
          return r.height > 0 && r.top >= d.top && r.bottom <= d.bottom && r.bottom <= innerHeight \
            && e.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)); }})({})",
        crate::ui::q(css)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_record_dialog_keeps_create_and_cancel_on_screen_at_1280x860() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    window.resize_window(1280, 860).await;
    eprintln!(
        "window {:?}, page {}",
        window.window_size().await,
        window.js("return `${innerWidth}x${innerHeight}`").await
    );
    let vault = Vault(&window);
    let create = vault.new_record().await;
    // What makes the dialog taller on the way: a lock while it is open (its note), then
    // Create pressed with the value and passwords missing (an error).
    create.fill_label("Mail").await;
    window.keys(CTRL_L).await;
    window.expect_toast("Locked").await;
    create.submit().await;
    window
        .until(
            "an error in the dialog",
            "[...document.querySelectorAll('#create-dialog [role=alert]')].some((p) => p.textContent)",
        )
        .await;
    window.screenshot("new-record-1280x860.png").await;
    for button in [
        "#create-dialog [data-action=submit]",
        "#create-dialog button[value=cancel]",
    ] {
        assert!(
            window.is(&wholly_on_screen(button)).await,
            "{button} is on screen without scrolling"
        );
    }
    // The fields scroll instead: the last one is reached, the buttons stay.
    window
        .js("document.querySelector('#create-dialog [name=notes]').scrollIntoView()")
        .await;
    assert!(
        window
            .is(&wholly_on_screen("#create-dialog [data-action=submit]"))
            .await,
        "Create stays on screen while the fields scroll"
    );
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toast_shows_above_an_open_dialog() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    let create = vault.new_record().await;
    // Ctrl+L with the dialog open and a label typed: the dialog stays, a toast says it
    // locked.
    create.fill_label("Mail").await;
    window.keys(CTRL_L).await;
    window.expect_toast("Locked").await;
    assert!(window.dialog_is_open("create-dialog").await);
    assert!(
        window
            .is("(t => { const r = t.getBoundingClientRect(); return t.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)); })(document.querySelector('#toasts .toast'))")
            .await,
        "the toast is drawn above the dialog's backdrop, not under it"
    );
    window.quit().await;
}

/// Ratios below which a part of a control cannot be told from what is around it
/// (WCAG 2.2 SC 1.4.11, non-text contrast).
const NON_TEXT: f64 = 3.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_focus_ring_and_control_borders_stand_out_in_both_themes() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_expiring(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_total("5 records").await;
    let mut weak = Vec::new();
    for theme in ["light", "dark"] {
        vault.switch_theme_to(theme).await;
        let mut check = |what: String, ratio: f64| {
            eprintln!("contrast {theme}: {what}: {ratio:.2}:1");
            if ratio < NON_TEXT {
                weak.push(format!("{theme}: {what}: {ratio:.2}:1"));
            }
        };
        // Borders of the fields, against their inside and what is around them; the
        // badges' outlines against the row.
        for css in ["#search", "#expiry", ".badge.expired", ".badge.soon"] {
            let (border, own, around) = colours(&window, css, "borderTopColor").await;
            check(format!("{css} border/inside"), contrast(border, own));
            check(format!("{css} border/around"), contrast(border, around));
        }
        // The focus ring, reached from the keyboard, on the header, filters and list.
        for css in ["#btn-lock", "#search", "#view-vault", "#records tbody tr"] {
            // Back and forth with the keyboard, so the focus is a keyboard user's.
            window.js(&format!("{}.focus()", crate::ui::q(css))).await;
            window.keys(SHIFT_TAB).await;
            window.keys(TAB).await;
            assert!(
                window
                    .is(&format!(
                        "(e => e === document.activeElement && e.matches(':focus-visible'))({})",
                        crate::ui::q(css)
                    ))
                    .await,
                "{css} shows its focus"
            );
            let (ring, _, around) = colours(&window, css, "outlineColor").await;
            check(format!("{css} focus ring/around"), contrast(ring, around));
        }
        // Inside a dialog.
        vault.new_record().await;
        let field = "#create-dialog [name=password]";
        window.keys(TAB).await;
        window.js(&format!("{}.focus()", crate::ui::q(field))).await;
        let (border, own, around) = colours(&window, field, "borderTopColor").await;
        check(format!("{field} border/inside"), contrast(border, own));
        check(format!("{field} border/around"), contrast(border, around));
        let (ring, _, around) = colours(&window, field, "outlineColor").await;
        check(format!("{field} focus ring/around"), contrast(ring, around));
        escape(&window, "create-dialog").await;
    }
    assert!(weak.is_empty(), "below {NON_TEXT}:1:\n{}", weak.join("\n"));
    window.quit().await;
}

/// The dark theme's selects, as drawn: native controls paint their own face, which in
/// WebKitGTK followed the system's light scheme, so the text (light, from the theme) sat
/// on white. Their computed style said dark all along; the screenshot says what is seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filters_selects_read_light_on_dark_in_the_dark_theme() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.switch_theme_to("dark").await;
    for css in ["#expiry", "#tag-list"] {
        // A point of the select's face between its border and its text.
        let geometry = window
            .js_args(
                "const e = document.querySelector(arguments[0]); const r = e.getBoundingClientRect(); \
                 return [r.left + 4, r.top + r.height / 2, getComputedStyle(e).color];",
                vec![serde_json::json!(css)],
            )
            .await;
        let face = drawn_at(
            &window,
            geometry[0].as_f64().unwrap(),
            geometry[1].as_f64().unwrap(),
        )
        .await;
        let text = Rgba::parse(geometry[2].as_str().unwrap()).unwrap();
        let ratio = contrast(text, face);
        eprintln!("{css}: text {text:?} on the drawn face {face:?}: {ratio:.2}:1");
        assert!(ratio >= 4.5, "{css}: its text on its face is {ratio:.2}:1");
    }
    window.quit().await;
}

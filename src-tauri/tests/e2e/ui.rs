//! Driving the window as a user does (click, type, press a key, read a toast) and
//! waiting for it. Every wait polls a condition against a deadline; the one place time
//! passes on purpose is `Ui::let_time_pass`, for stories about the app's own clocks.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// How long a step may take before its wait fails.
const PATIENCE: Duration = Duration::from_secs(15);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);

const ENTER: &str = "\u{e007}";
const ESCAPE: &str = "\u{e00c}";

/// `document.querySelector(css)` as JavaScript, the selector quoted.
pub fn q(css: &str) -> String {
    format!("document.querySelector({})", json!(css))
}

/// Whether the element `css` exists and takes up space on screen, as JavaScript.
pub fn on_screen(css: &str) -> String {
    format!("(e => !!e && e.getClientRects().length > 0)({})", q(css))
}

/// A driven window.
pub struct Ui {
    c: Client,
}

impl Ui {
    pub fn new(c: Client) -> Self {
        Self { c }
    }

    pub async fn quit(self) {
        self.c.close().await.unwrap();
    }

    pub async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.unwrap()
    }

    /// Runs `script` with `arguments` bound to `args`.
    pub async fn js_args(&self, script: &str, args: Vec<Value>) -> Value {
        self.c.execute(script, args).await.unwrap()
    }

    /// Runs `script` with `args` and waits for it to call its last argument.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.c.execute_async(script, args).await.unwrap()
    }

    /// Sends keys to whatever has the focus, as typing on the keyboard does.
    pub async fn keys(&self, keys: &str) {
        let focused = self.c.active_element().await.unwrap();
        focused.send_keys(keys).await.unwrap();
    }

    /// Calls backend command `command` straight from the page, as any script running in
    /// the window could: `Ok(answer)` or `Err({code, message, field})`.
    pub async fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        self.invoke_sealing(command, args, &[]).await
    }

    /// Like `invoke`, with the arguments named in `secrets` sealed for the backend as the
    /// page's own code seals passwords and values (a script in the window can do that too).
    pub async fn invoke_sealing(
        &self,
        command: &str,
        args: Value,
        secrets: &[&str],
    ) -> Result<Value, Value> {
        let script = "const [command, args, secrets, done] = arguments; \
            (async () => { \
              const { channelForSecrets } = await import('./js/api.js'); \
              for (const name of secrets) { \
                if (args[name] != null) args[name] = await channelForSecrets.seal(args[name]); \
              } \
              return window.__TAURI__.core.invoke(command, args); \
            })().then((ok) => done({ ok: ok ?? null }), (err) => done({ err }));";
        let answer = self
            .c
            .execute_async(script, vec![json!(command), args, json!(secrets)])
            .await
            .unwrap();
        match answer.get("err") {
            Some(err) => Err(err.clone()),
            None => Ok(answer["ok"].clone()),
        }
    }

    /// Whether a JavaScript expression is truthy now.
    pub async fn is(&self, expr: &str) -> bool {
        self.js(&format!("return !!({expr});")).await == json!(true)
    }

    /// Polls a JavaScript expression until it is truthy.
    pub async fn until(&self, what: &str, expr: &str) {
        self.until_within(what, expr, PATIENCE).await;
    }

    pub async fn until_within(&self, what: &str, expr: &str, limit: Duration) {
        self.poll(what, limit, async || {
            if self.is(expr).await {
                Ok(())
            } else {
                Err(expr.to_owned())
            }
        })
        .await;
    }

    /// Polls `look` until it answers `Ok`; on timeout, fails with what it last saw.
    pub async fn poll(
        &self,
        what: &str,
        limit: Duration,
        mut look: impl AsyncFnMut() -> Result<(), String>,
    ) {
        let deadline = Instant::now() + limit;
        loop {
            match look().await {
                Ok(()) => return,
                Err(seen) => assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}: {seen}"
                ),
            }
            #[allow(
                clippy::disallowed_methods,
                reason = "the interval of a poll with a deadline"
            )]
            tokio::time::sleep(POLL).await;
        }
    }

    /// Lets `how_long` pass on the app's clocks (a reveal timer, the idle limit, a
    /// toast's lifetime): the passing time is what the story tests, so nothing can be
    /// waited for instead. Checks all along that `holds` stays true and fails as soon as
    /// it does not.
    pub async fn let_time_pass(&self, how_long: Duration, why: &str, holds: &str) {
        let end = Instant::now() + how_long;
        loop {
            assert!(self.is(holds).await, "{why}: no longer true: {holds}");
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            #[allow(
                clippy::disallowed_methods,
                reason = "time passing is what the story tests; the condition is checked between steps"
            )]
            tokio::time::sleep(left.min(Duration::from_millis(500))).await;
        }
    }

    async fn find(&self, css: &str) -> Element {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
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

    /// Clicks an element found by XPath (a table row by its text).
    /// A row re-rendered between finding and clicking (a refresh after a change) is
    /// found again, as a person would click the row now on screen; a few times at most.
    pub async fn click_xpath(&self, xpath: &str) {
        for attempt in 1..=3 {
            let el = self
                .c
                .find(Locator::XPath(xpath))
                .await
                .unwrap_or_else(|e| panic!("{xpath}: {e}"));
            match el.click().await {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                        && attempt < 3 => {}
                Err(e) => panic!("click {xpath}: {e:?}"),
            }
        }
    }

    /// Replaces a field's text with `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.unwrap();
        if !text.is_empty() {
            el.send_keys(text).await.unwrap();
        }
    }

    /// Types `text` at the end of what a field holds.
    pub async fn type_more(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap();
    }

    /// Types `keys` into whatever has the focus now, as a keyboard does.
    pub async fn press(&self, keys: &str) {
        self.c
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    pub async fn press_enter(&self, css: &str) {
        self.type_more(css, ENTER).await;
    }

    pub async fn press_escape(&self, css: &str) {
        self.type_more(css, ESCAPE).await;
    }

    /// Sets a <select> and fires `change`, as choosing with the mouse does.
    pub async fn choose(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        self.c
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![serde_json::to_value(&el).unwrap(), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Whether the element exists and takes up space on screen.
    pub async fn visible(&self, css: &str) -> bool {
        self.is(&on_screen(css)).await
    }

    pub async fn text_of(&self, css: &str) -> Value {
        self.js(&format!("return {}.textContent;", q(css))).await
    }

    pub async fn value_of(&self, css: &str) -> Value {
        self.js(&format!("return {}.value;", q(css))).await
    }

    pub async fn dialog_is_open(&self, id: &str) -> bool {
        self.is(&format!("document.getElementById('{id}').open"))
            .await
    }

    pub async fn until_dialog_open(&self, id: &str) {
        self.until(
            &format!("{id} to open"),
            &format!("document.getElementById('{id}').open"),
        )
        .await;
    }

    pub async fn until_dialog_closed(&self, id: &str) {
        self.until(
            &format!("{id} to close"),
            &format!("!document.getElementById('{id}').open"),
        )
        .await;
    }

    /// Waits for a toast containing `text`.
    pub async fn expect_toast(&self, text: &str) {
        self.expect_toast_within(text, PATIENCE).await;
    }

    pub async fn expect_toast_within(&self, text: &str, limit: Duration) {
        self.until_within(
            &format!("a toast saying {text:?}"),
            &format!(
                "document.getElementById('toasts').textContent.includes({})",
                json!(text)
            ),
            limit,
        )
        .await;
    }

    /// Removes the toasts shown so far, so the next one expected is a new one.
    pub async fn clear_toasts(&self) {
        self.js("document.getElementById('toasts').replaceChildren()")
            .await;
    }

    /// Whether `text` is anywhere in the page, markup or visible text.
    pub async fn shows(&self, text: &str) -> bool {
        self.js("return document.documentElement.outerHTML + document.body.innerText;")
            .await
            .as_str()
            .unwrap()
            .contains(text)
    }

    /// The window's outer size in pixels, as the window system reports it.
    pub async fn window_size(&self) -> (u64, u64) {
        self.c.get_window_size().await.unwrap()
    }

    /// Resizes the window, as a user dragging its corner would.
    pub async fn resize_window(&self, width: u32, height: u32) {
        self.c.set_window_size(width, height).await.unwrap();
    }

    /// Minimizes the window, as its title bar's button would.
    pub async fn minimize_window(&self) {
        self.c.minimize_window().await.unwrap();
    }

    /// The window as drawn now, a PNG.
    pub async fn screenshot_png(&self) -> Vec<u8> {
        self.c.screenshot().await.unwrap()
    }

    /// Writes docs/screenshots/`name` (the README shows them).
    pub async fn screenshot(&self, name: &str) {
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
}

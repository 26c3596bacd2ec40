//! Measuring accessibility in the real window: axe-core (vendored in `fixtures/`, used
//! by the tests only, never shipped in the app) for what it checks, and contrast ratios
//! computed here for what it does not (focus ring, control borders, badge outlines, and
//! what a native control really draws, read from a screenshot).

use serde_json::{Value, json};

use crate::ui::Ui;

/// axe-core 4.14.1 from the npm registry (MPL-2.0; see fixtures/README.md).
const AXE: &str = include_str!("fixtures/axe.min.js");

/// Impacts that fail a scan (axe's own scale: minor, moderate, serious, critical).
const FAILING: [&str; 2] = ["serious", "critical"];

/// Loads axe into the page once. WebDriver runs the script in the page's context as a
/// function body, so the page's CSP (no inline or eval'd script) does not apply to it.
async fn inject(ui: &Ui) {
    if ui.is("window.axe").await {
        return;
    }
    ui.js(&format!("{AXE}\nreturn true;")).await;
    assert!(
        ui.is("window.axe && window.axe.version").await,
        "axe loaded"
    );
}

/// Runs axe over `scope` (a selector; the whole document when `None`) and returns its
/// serious and critical violations, each as "id (impact): help — targets". Minor and
/// moderate ones are printed only.
pub async fn serious_violations(ui: &Ui, what: &str, scope: Option<&str>) -> Vec<String> {
    inject(ui).await;
    let script = "const [scope, done] = arguments; \
        const context = scope ? document.querySelector(scope) : document; \
        axe.run(context, { resultTypes: ['violations'] }).then( \
          (r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, \
            nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) }))), \
          (e) => done({ error: String(e) }));";
    let found = ui.js_async(script, vec![json!(scope)]).await;
    assert!(
        found.get("error").is_none(),
        "axe failed on {what}: {found}"
    );
    let mut failing = Vec::new();
    for v in found.as_array().cloned().unwrap_or_default() {
        let impact = v["impact"].as_str().unwrap_or("unknown");
        let nodes: Vec<String> = v["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| {
                format!(
                    "{} [{}]",
                    n["target"].as_str().unwrap_or("?"),
                    n["summary"].as_str().unwrap_or("").replace('\n', " ")
                )
            })
            .collect();
        let line = format!(
            "{what}: {} ({impact}): {} — {}",
            v["id"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or(""),
            nodes.join("; ")
        );
        eprintln!("axe: {line}");
        if FAILING.contains(&impact) {
            failing.push(line);
        }
    }
    failing
}

/// An sRGB colour as CSS computes it: `rgb(r, g, b)` or `rgba(r, g, b, a)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgba(pub [f64; 4]);

impl Rgba {
    pub fn parse(css: &str) -> Option<Self> {
        let inner = css
            .trim()
            .strip_prefix("rgba(")
            .or_else(|| css.trim().strip_prefix("rgb("))?
            .strip_suffix(')')?;
        let parts: Vec<f64> = inner
            .split([',', ' ', '/'])
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        match parts[..] {
            [r, g, b] => Some(Self([r, g, b, 1.0])),
            [r, g, b, a] => Some(Self([r, g, b, a])),
            _ => None,
        }
    }

    /// This colour drawn over an opaque `under`.
    pub fn over(self, under: Self) -> Self {
        let a = self.0[3];
        let mix = |i: usize| self.0[i] * a + under.0[i] * (1.0 - a);
        Self([mix(0), mix(1), mix(2), 1.0])
    }

    /// Relative luminance (WCAG 2.2, definition "relative luminance").
    fn luminance(self) -> f64 {
        let channel = |c: f64| {
            let s = c / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0[0]) + 0.7152 * channel(self.0[1]) + 0.0722 * channel(self.0[2])
    }
}

/// WCAG contrast ratio of two opaque colours, from 1 to 21.
pub fn contrast(a: Rgba, b: Rgba) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// For the element `css`: the colour of its `property` (`outlineColor`,
/// `borderTopColor`), its own background and the background around it (the first
/// ancestor that paints one), all as computed in the window now.
pub async fn colours(ui: &Ui, css: &str, property: &str) -> (Rgba, Rgba, Rgba) {
    let script = "const [css, property] = arguments; \
        const e = document.querySelector(css); \
        if (!e) return null; \
        const paints = (n) => { const c = getComputedStyle(n).backgroundColor; return c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent'; }; \
        let around = e.parentElement; \
        while (around && !paints(around)) around = around.parentElement; \
        return [getComputedStyle(e)[property], getComputedStyle(e).backgroundColor, \
                getComputedStyle(around || document.documentElement).backgroundColor];";
    let got = ui.js_args(script, vec![json!(css), json!(property)]).await;
    let parse = |v: &Value| {
        Rgba::parse(v.as_str().unwrap_or_default())
            .unwrap_or_else(|| panic!("{css} {property}: no colour in {got}"))
    };
    assert!(got.is_array(), "{css} is not in the page");
    let around = parse(&got[2]);
    let own = parse(&got[1]).over(around);
    (parse(&got[0]).over(own), own, around)
}

/// The colour drawn at CSS pixel (`x`, `y`) of the window, read from a screenshot.
pub async fn drawn_at(ui: &Ui, x: f64, y: f64) -> Rgba {
    let scale = ui
        .js("return devicePixelRatio;")
        .await
        .as_f64()
        .unwrap_or(1.0);
    // A screenshot is the last frame painted: let a change just made (a theme) reach one.
    ui.js_async(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
        vec![],
    )
    .await;
    let png = ui.screenshot_png().await;
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!(frame.bit_depth, png::BitDepth::Eight, "an 8-bit screenshot");
    let samples = frame.color_type.samples();
    assert!(samples >= 3, "a colour screenshot: {:?}", frame.color_type);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a point inside the window, in device pixels"
    )]
    let (px, py) = ((x * scale) as usize, (y * scale) as usize);
    let at = py * frame.line_size + px * samples;
    let [r, g, b] = [buf[at], buf[at + 1], buf[at + 2]].map(f64::from);
    Rgba([r, g, b, 1.0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        let black = Rgba::parse("rgb(0, 0, 0)").unwrap();
        let white = Rgba::parse("rgb(255, 255, 255)").unwrap();
        assert!((contrast(black, white) - 21.0).abs() < 1e-9);
        // #767676 on white is the well-known 4.54:1 grey.
        let grey = Rgba::parse("rgb(118, 118, 118)").unwrap();
        assert!((contrast(grey, white) - 4.54).abs() < 0.01);
        let half = Rgba::parse("rgba(0, 0, 0, 0.5)").unwrap().over(white);
        assert_eq!(half, Rgba([127.5, 127.5, 127.5, 1.0]));
    }
}

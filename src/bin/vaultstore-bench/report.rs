//! The report: one row per figure, echoed to stderr as it is measured (a long run shows
//! how far it got) and printed at the end as the Markdown table the README quotes.

pub struct Row {
    figure: String,
    measured: String,
    goal: String,
    pub pass: bool,
}

impl Row {
    pub fn new(figure: impl Into<String>, measured: String, goal: &str, pass: bool) -> Self {
        Self {
            figure: figure.into(),
            measured,
            goal: goal.to_owned(),
            pass,
        }
    }

    pub fn ratio_at_least(figure: String, ratio: f64, goal: f64) -> Self {
        let shown = if ratio >= 100.0 {
            format!("{ratio:.0}×")
        } else {
            format!("{ratio:.2}×")
        };
        Self::new(figure, shown, &format!(">= {goal}×"), ratio >= goal)
    }

    pub fn ratio_at_most(figure: String, ratio: f64, goal: f64) -> Self {
        Self::new(
            figure,
            format!("{ratio:.2}"),
            &format!("<= {goal}"),
            ratio <= goal,
        )
    }
}

#[derive(Default)]
pub struct Report(pub Vec<Row>);

impl Report {
    pub fn add(&mut self, rows: impl IntoIterator<Item = Row>) {
        for row in rows {
            eprintln!(
                "  {:<62} {:>18}  {:<16} {}",
                row.figure,
                row.measured,
                row.goal,
                if row.pass { "pass" } else { "FAIL" }
            );
            self.0.push(row);
        }
    }

    pub fn print(&self) {
        println!("| figure | measured | goal | result |\n|---|---|---|---|");
        for r in &self.0 {
            println!(
                "| {} | {} | {} | {} |",
                r.figure,
                r.measured,
                r.goal,
                if r.pass { "pass" } else { "**FAIL**" }
            );
        }
    }
}

//! A dialect-aware SQL statement under construction: text plus bound arguments.
//!
//! Values are always bound, never spliced into the text; the only text that is ever
//! interpolated is a validated table name and constant fragments. Placeholders follow
//! the dialect (`$1, $2` on PostgreSQL, `?` elsewhere).

use std::fmt::Write;

use super::Dialect;

/// A bound argument. Every column is text; counts and limits are integers.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Self::OptText(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

/// A statement: SQL text with placeholders and the arguments bound to them, in order.
#[derive(Debug)]
pub(crate) struct Sql {
    dialect: Dialect,
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn new(dialect: Dialect, init: &str) -> Self {
        Self {
            dialect,
            text: init.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends constant SQL text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub(crate) fn bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        match self.dialect {
            Dialect::Postgres => {
                let _ = write!(self.text, "${}", self.args.len());
            }
            Dialect::Sqlite | Dialect::MySql => self.text.push('?'),
        }
        self
    }

    /// Appends `(?, ?, ...)` binding each value.
    pub(crate) fn bind_list<I, T>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Arg>,
    {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_dialect() {
        let mut pg = Sql::new(Dialect::Postgres, "SELECT 1 WHERE a = ");
        pg.bind("x").push(" AND b IN ").bind_list(["y", "z"]);
        assert_eq!(pg.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        let mut my = Sql::new(Dialect::MySql, "a = ");
        my.bind(1i64);
        assert_eq!(my.text, "a = ?");
        assert_eq!(my.args.len(), 1);
    }
}

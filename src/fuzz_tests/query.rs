//! The query language (the app's search box, `vaultstore list --query`): any text is a
//! query or refused as `invalid_input` on the field `query`, never a panic; and a query
//! it accepts passes the store's checks and builds its SQL on every dialect.

use chrono::{DateTime, Utc};
use proptest::prelude::*;

use crate::ErrorCode;
use crate::db::{Dialect, Sql};
use crate::query::RecordQuery;

fn check(text: &str) -> Result<(), TestCaseError> {
    match RecordQuery::parse(text) {
        Ok(q) => {
            prop_assert!(q.validate().is_ok(), "{text:?} parsed but fails validation");
            // The far ends of chrono's clock too: a window never overflows the time.
            for now in [
                Utc::now(),
                DateTime::<Utc>::MIN_UTC,
                DateTime::<Utc>::MAX_UTC,
            ] {
                for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql] {
                    let mut sql = Sql::new(dialect, "SELECT 1 FROM vault");
                    q.push_where(&mut sql, dialect, now, &crate::db::SearchIndex::None);
                    q.push_page(&mut sql, dialect);
                }
            }
        }
        Err(e) => {
            prop_assert_eq!(e.code(), ErrorCode::InvalidInput, "{}", e);
            prop_assert_eq!(e.field(), Some("query"), "{}", e);
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_text_is_a_query_or_refused(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn text_shaped_like_a_query_is_a_query_or_refused(
        terms in prop::collection::vec(
            "(tag|TAG|label|token|is|expires|expired|foo|)(:|)(<|\"|)([a-zA-Z0-9_%!]{0,6}|active|expired|never|trash|[0-9]{1,12}[smhdwé]|Ärzte|\"[a-z ]{0,5}\"?|)",
            0..40,
        ),
        sep in "[ \t\n]{1,2}",
    ) {
        check(&terms.join(&sep))?;
    }
}

//! Listing cursors (`vaultstore list --after CURSOR`, the app's paging): any text is a
//! cursor or refused as `invalid_input`, and a cursor reads back as itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;

use crate::ErrorCode;
use crate::query::Cursor;

fn check(text: &str) -> Result<(), TestCaseError> {
    match text.parse::<Cursor>() {
        Ok(cursor) => {
            let again: Cursor = cursor.to_string().parse().unwrap();
            prop_assert_eq!(again, cursor);
        }
        Err(e) => prop_assert_eq!(e.code(), ErrorCode::InvalidInput, "{}", e),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_text_is_a_cursor_or_refused(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn any_encoded_text_is_a_cursor_or_refused(
        field in prop_oneof![
            Just("created_at".to_owned()),
            Just("TOKEN".to_owned()),
            Just("expires_at".to_owned()),
            any::<String>()
        ],
        order in prop_oneof![Just("a".to_owned()), Just("d".to_owned()), any::<String>()],
        rest in prop::collection::vec(any::<String>(), 0..3),
    ) {
        let mut raw = format!("{field}\n{order}");
        for part in rest {
            raw.push('\n');
            raw.push_str(&part);
        }
        check(&URL_SAFE_NO_PAD.encode(raw))?;
    }
}

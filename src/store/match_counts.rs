//! How many records a search text matches in the index, counted up to a bound (see
//! [`crate::db::FEW_MATCHES`]), remembered for a short while. Counting costs a few
//! milliseconds on a million records; a person paging or scrolling through one search
//! asks the same question for every page. The answer only chooses the plan, never the
//! rows, so one a little out of date costs speed at most.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer is used.
const FRESH_FOR: Duration = Duration::from_secs(30);
/// Most texts remembered; past that, all are forgotten at once.
const MAX_ENTRIES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct MatchCounts {
    /// Text → its matches (up to the bound), and when that was counted.
    entries: Mutex<HashMap<String, (i64, Instant)>>,
}

impl MatchCounts {
    /// The answer for these texts, if counted within [`FRESH_FOR`].
    pub(crate) fn recall(&self, key: &str) -> Option<i64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < FRESH_FOR)
            .map(|(count, _)| *count)
    }

    pub(crate) fn remember(&self, key: String, count: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (count, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_text_and_bounded_in_number() {
        let counts = MatchCounts::default();
        assert_eq!(counts.recall("prod"), None);
        counts.remember("prod".into(), 10_001);
        counts.remember("rare".into(), 3);
        assert_eq!(counts.recall("prod"), Some(10_001));
        assert_eq!(counts.recall("rare"), Some(3));
        for i in 0..MAX_ENTRIES {
            counts.remember(format!("t{i}"), 0);
        }
        let kept = counts.entries.lock().unwrap().len();
        assert!(kept <= MAX_ENTRIES, "{kept}");
    }
}

//! Timing helpers: medians, and A/B rounds run alternately so drift (thermal, caches,
//! the other core's load) hits both sides alike.

use std::time::{Duration, Instant};

pub fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

pub async fn time<F, T>(f: F) -> (Duration, T)
where
    F: Future<Output = T>,
{
    let start = Instant::now();
    let out = f.await;
    (start.elapsed(), out)
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

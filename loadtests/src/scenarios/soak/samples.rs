//! The soak's readings of the node through the run, and how the end of the measured window
//! compares with its start.

use serde::Serialize;

/// One reading of the node and of the traffic so far.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub at_s: f64,
    pub measuring: bool,
    pub rss_kib: Option<u64>,
    pub open_files: Option<u64>,
    pub open_sockets: u64,
    pub sent: u64,
    pub acked: u64,
    pub delivered: u64,
    pub rest_ok: u64,
    pub errors: u64,
}

/// The median of the values `pick` finds in `samples`.
pub fn median(samples: &[&Sample], pick: impl Fn(&Sample) -> Option<u64>) -> Option<u64> {
    let mut v: Vec<u64> = samples.iter().filter_map(|s| pick(s)).collect();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

/// Start and end of the measured window: medians of its first and last `span` samples, so one
/// allocator spike or a garbage burst does not decide the verdict.
pub fn ends(samples: &[Sample], span: usize, pick: impl Fn(&Sample) -> Option<u64> + Copy) -> Option<(u64, u64)> {
    let measured: Vec<&Sample> = samples.iter().filter(|s| s.measuring).collect();
    if measured.len() < 2 {
        return None;
    }
    let span = span.clamp(1, measured.len() / 2);
    let start = median(&measured[..span], pick)?;
    let end = median(&measured[measured.len() - span..], pick)?;
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rss: u64, measuring: bool) -> Sample {
        Sample {
            at_s: 0.0,
            measuring,
            rss_kib: Some(rss),
            open_files: None,
            open_sockets: 0,
            sent: 0,
            acked: 0,
            delivered: 0,
            rest_ok: 0,
            errors: 0,
        }
    }

    #[test]
    fn ends_skip_the_warm_up_and_take_medians() {
        let samples =
            [at(10, false), at(100, true), at(900, true), at(102, true), at(104, true), at(5, true), at(106, true)];
        assert_eq!(ends(&samples, 3, |s| s.rss_kib), Some((102, 104)));
        assert_eq!(ends(&[at(1, false)], 3, |s| s.rss_kib), None);
    }
}

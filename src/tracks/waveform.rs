//! Waveform peaks for seek bars: min/max pairs over the decoded audio, normalised to [-1, 1].
//! Samples arrive mixed to mono, whatever the length (the frame count a header declares may be
//! missing or wrong): they gather in fine buckets that start one frame wide and double in width
//! (neighbours merged) whenever `FINE_MAX` are full, so memory stays bounded (`FINE_MAX` pairs)
//! and even a short track has enough buckets for every point. They are merged down to the
//! wanted points at the end.

/// Points (min/max pairs) served per track.
pub const POINTS: usize = 1800;
/// Most fine buckets kept: at least `4 * POINTS` once the track is long enough.
const FINE_MAX: usize = 16 * 1024;

/// Accumulates peaks while a track decodes.
#[derive(Debug)]
pub struct Peaks {
    fine: Vec<(f32, f32)>,
    /// Frames per fine bucket (a power of two).
    width: usize,
    min: f32,
    max: f32,
    filled: usize,
}

impl Default for Peaks {
    fn default() -> Self {
        Peaks { fine: Vec::new(), width: 1, min: f32::INFINITY, max: f32::NEG_INFINITY, filled: 0 }
    }
}

impl Peaks {
    /// One frame, its channels already mixed to one sample in [-1, 1]. A NaN counts as silence.
    pub fn push(&mut self, sample: f32) {
        let s = if sample.is_finite() { sample.clamp(-1.0, 1.0) } else { 0.0 };
        self.min = self.min.min(s);
        self.max = self.max.max(s);
        self.filled += 1;
        if self.filled == self.width {
            self.close_bucket();
            if self.fine.len() == FINE_MAX {
                self.widen();
            }
        }
    }

    fn close_bucket(&mut self) {
        if self.filled > 0 {
            self.fine.push((self.min, self.max));
        }
        self.min = f32::INFINITY;
        self.max = f32::NEG_INFINITY;
        self.filled = 0;
    }

    /// Halves the buckets: each pair of neighbours becomes one, twice as wide.
    fn widen(&mut self) {
        let merged: Vec<(f32, f32)> =
            self.fine.chunks(2).map(|c| c.iter().fold(c[0], |(lo, hi), &(a, b)| (lo.min(a), hi.max(b)))).collect();
        self.fine = merged;
        self.width *= 2;
    }

    /// `[min, max, min, max, …]`: at most `points` pairs (fewer for a track of fewer frames),
    /// scaled so the loudest peak is ±1 and rounded to 3 decimals.
    pub fn finish(mut self, points: usize) -> Vec<f32> {
        self.close_bucket();
        let n = self.fine.len();
        let points = points.min(n);
        let mut pairs = Vec::with_capacity(points);
        for i in 0..points {
            let (from, to) = (i * n / points, ((i + 1) * n / points).max(i * n / points + 1));
            let (lo, hi) = self.fine[from..to]
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &(a, b)| (lo.min(a), hi.max(b)));
            pairs.push((lo, hi));
        }
        let loudest = pairs.iter().fold(0.0f32, |m, &(lo, hi)| m.max(lo.abs()).max(hi.abs()));
        let scale = if loudest > 0.0 { 1.0 / loudest } else { 0.0 };
        let round = |v: f32| (v * scale * 1000.0).round() / 1000.0;
        pairs.into_iter().flat_map(|(lo, hi)| [round(lo), round(hi)]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_fills_every_point_and_peaks_at_one() {
        let mut p = Peaks::default();
        let frames = 44_100 * 3;
        for i in 0..frames {
            p.push(0.5 * (i as f32 * 440.0 * std::f32::consts::TAU / 44_100.0).sin());
        }
        let peaks = p.finish(POINTS);
        assert_eq!(peaks.len(), POINTS * 2);
        assert!(peaks.iter().all(|v| (-1.0..=1.0).contains(v)));
        assert_eq!(peaks.iter().cloned().fold(f32::MIN, f32::max), 1.0, "normalised to the loudest peak");
        assert!(peaks.chunks(2).all(|pair| pair[0] <= pair[1]), "min before max");
    }

    #[test]
    fn an_hour_keeps_every_point_in_bounded_memory() {
        let mut p = Peaks::default();
        for i in 0..(44_100 * 3600 / 8) {
            p.push(if i % 100 == 0 { 0.9 } else { 0.1 });
        }
        assert!(p.fine.len() <= FINE_MAX);
        assert_eq!(p.finish(POINTS).len(), POINTS * 2);
    }

    #[test]
    fn a_fade_in_shows_as_rising_peaks() {
        let mut p = Peaks::default();
        for i in 0..100_000 {
            let env = i as f32 / 100_000.0;
            p.push(env * if i % 2 == 0 { 1.0 } else { -1.0 });
        }
        let peaks = p.finish(10);
        let maxes: Vec<f32> = peaks.chunks(2).map(|pair| pair[1]).collect();
        assert!(maxes.windows(2).all(|w| w[0] < w[1]), "{maxes:?}");
    }

    #[test]
    fn short_silent_and_broken_input_stays_bounded() {
        let mut p = Peaks::default();
        for _ in 0..3 {
            p.push(0.0);
        }
        assert_eq!(p.finish(POINTS), vec![0.0; 6], "three frames: three points, silent");
        assert!(Peaks::default().finish(POINTS).is_empty(), "no audio, no points");
        let mut p = Peaks::default();
        for v in [f32::NAN, f32::INFINITY, 7.0, -7.0] {
            p.push(v);
        }
        assert_eq!(
            p.finish(POINTS),
            vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, -1.0, -1.0],
            "NaN and ∞ silent, the rest clamped"
        );
    }
}

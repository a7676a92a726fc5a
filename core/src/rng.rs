//! A seeded pseudo-random generator (xorshift64*) for fixtures and load scenarios: the same
//! seed gives the same data on every run, and no dependency is needed. Not for secrets.

#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    /// A generator for `seed` (0 is replaced: xorshift never leaves the zero state).
    pub fn new(seed: u64) -> Self {
        SeededRng(if seed == 0 { 0x9e37_79b9_7f4a_7c15 } else { seed })
    }

    /// A generator per worker `i`, its stream well apart from the others'.
    pub fn for_worker(seed: u64, i: usize) -> Self {
        Self::new(seed ^ (i as u64 + 1).wrapping_mul(0xff51_afd7_ed55_8ccd))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One item of `items` (the type's default when it is empty).
    pub fn choose<T: Copy + Default>(&mut self, items: &[T]) -> T {
        self.pick(items).copied().unwrap_or_default()
    }

    /// One item of a non-empty slice, or `None`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.below(items.len())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_bounds_hold() {
        let (mut a, mut b) = (SeededRng::new(42), SeededRng::new(42));
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|w| w[0] != w[1]));
        let mut r = SeededRng::new(0);
        assert_ne!(r.next_u64(), 0, "the zero seed is replaced");
        assert!((0..1000).all(|_| r.below(7) < 7));
        assert_eq!(r.below(0), 0);
        assert_eq!(r.pick::<u8>(&[]), None);
        assert_eq!(r.choose::<&str>(&[]), "");
        assert!(["a", "b"].contains(&r.choose(&["a", "b"])));
        assert_ne!(SeededRng::for_worker(1, 0).next_u64(), SeededRng::for_worker(1, 1).next_u64());
    }
}

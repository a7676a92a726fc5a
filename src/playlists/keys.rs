//! Positions as fractional keys: strings over 62 digits (`0-9A-Za-z`, ordered as bytes, the
//! column's `COLLATE "C"`), never ending in `0`. Between any two keys there is always another,
//! so an insert writes one key and nothing is renumbered; appends stay short (`V`, `W`, …, `z`,
//! `zV`, …). The midpoint is David Greenspan's "Implementing Fractional Indexing" without its
//! integer part.

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: usize = 62;

fn digit(c: u8) -> usize {
    DIGITS.iter().position(|d| *d == c).unwrap_or(0)
}

/// Whether `k` is a key this module could have made.
pub fn is_valid(k: &str) -> bool {
    !k.is_empty() && k.bytes().all(|b| DIGITS.contains(&b)) && !k.ends_with('0')
}

/// A key strictly between `a` (or the start, `""`) and `b` (or the end).
pub fn between(a: &str, b: Option<&str>) -> String {
    let (a, b) = (a.as_bytes(), b.map(str::as_bytes));
    String::from_utf8(midpoint(a, b)).unwrap_or_default()
}

fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        // The common prefix (a padded with zeros) is kept as it is.
        let n = b.iter().enumerate().take_while(|(i, c)| a.get(*i).copied().unwrap_or(b'0') == **c).count();
        if n > 0 {
            let mut out = b[..n].to_vec();
            out.extend(midpoint(a.get(n..).unwrap_or_default(), Some(&b[n..])));
            return out;
        }
    }
    let da = a.first().map_or(0, |c| digit(*c));
    let db = b.and_then(|b| b.first()).map_or(BASE, |c| digit(*c));
    if db - da > 1 {
        return vec![DIGITS[(da + db).div_ceil(2)]];
    }
    match b {
        Some(b) if b.len() > 1 => b[..1].to_vec(),
        _ => {
            let mut out = vec![DIGITS[da]];
            out.extend(midpoint(a.get(1..).unwrap_or_default(), None));
            out
        }
    }
}

/// A key after `a` that stays short under repeated appends.
pub fn after(a: &str) -> String {
    let bytes = a.as_bytes();
    match bytes.first() {
        None => between("", None),
        Some(&c) if digit(c) + 1 < BASE => (DIGITS[digit(c) + 1] as char).to_string(),
        Some(_) => format!("z{}", after(&a[1..])),
    }
}

/// `n` keys in order, for a whole new order.
pub fn sequence(n: usize) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(n);
    for _ in 0..n {
        let next = after(keys.last().map_or("", String::as_str));
        keys.push(next);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn appends_stay_short_and_ordered() {
        let keys = sequence(1000);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().all(|k| is_valid(k) && k.len() <= 40), "{:?}", keys.last());
        assert_eq!(between("", None), "V");
        assert_eq!(after("V"), "W");
        assert_eq!(after("z"), "zV");
    }

    proptest! {
        // Inserting again and again at random places keeps a strict order with valid keys.
        #[test]
        fn inserts_anywhere_keep_a_strict_order(places in proptest::collection::vec(any::<u16>(), 1..300)) {
            let mut keys: Vec<String> = Vec::new();
            for p in places {
                let i = usize::from(p) % (keys.len() + 1);
                let lo = if i == 0 { "" } else { keys[i - 1].as_str() };
                let hi = keys.get(i).map(String::as_str);
                let k = between(lo, hi);
                prop_assert!(is_valid(&k), "{k:?}");
                prop_assert!(k.as_str() > lo && hi.is_none_or(|h| k.as_str() < h), "{lo:?} < {k:?} < {hi:?}");
                keys.insert(i, k);
            }
        }
    }
}

//! CAM's wildcard: `*` matches any run of characters (slashes and the empty run included);
//! everything else matches itself, case-sensitively (shared/spec/sts.md, "Resource strings
//! and matching").

/// Whether `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    // Iterative matching with the last star remembered: linear in practice, no recursion.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|b| *b == b'*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_cross_slashes_and_may_be_empty() {
        assert!(matches("*", ""));
        assert!(matches("*", "anything/at/all"));
        assert!(matches("b-1/doc/*", "b-1/doc/a/b.txt"));
        assert!(matches("b-1/doc/*", "b-1/doc/"));
        assert!(!matches("b-1/doc/*", "b-1/docs/a"));
        assert!(matches("name/cos:*", "name/cos:PutObject"));
        assert!(!matches("name/cos:putobject", "name/cos:PutObject"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("b-1/exact", "b-1/exact"));
        assert!(!matches("b-1/exact", "b-1/exact2"));
    }
}

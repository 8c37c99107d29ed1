//! Canonical forms of the signed query parameters and headers: `lower(UrlEncode(name))`,
//! sorted byte-wise, `name=UrlEncode(value)` joined with `&`, names joined with `;`.
//!
//! Nothing is allocated for up to [`INLINE`] pairs per part: pairs are sorted in place by
//! comparing their canonical names without materialising them, and names and values are
//! encoded straight into the caller's buffer.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::encode::{is_unreserved, uri_encode_into, uri_encode_lower_into};

/// Pairs per part kept on the stack (a request rarely signs more headers than this).
pub(crate) const INLINE: usize = 12;

/// A name/value pair as given.
pub(crate) type Pair<'a> = (&'a str, &'a str);

/// The signed pairs of one part, sorted by canonical name.
// The inline variant is large on purpose: it lives on the stack for one signature and saves
// an allocation; boxing it would defeat that.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Sorted<'a> {
    Inline([Pair<'a>; INLINE], usize),
    Heap(Vec<Pair<'a>>),
}

/// Compares `lower(UrlEncode(a))` with `lower(UrlEncode(b))` without building either.
///
/// Equal bytes encode equally; at the first differing byte the encodings decide: an
/// unreserved byte is itself lowercased, an escape starts with `%` and its lowercase hex
/// digits order like the byte values.
pub(crate) fn cmp_canonical(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = common_prefix(a, b);
    loop {
        let (x, y) = match (a.get(i), b.get(i)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(&x), Some(&y)) => (x, y),
        };
        i += 1;
        if x == y {
            continue;
        }
        let order = match (is_unreserved(x), is_unreserved(y)) {
            (true, true) => x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()),
            (true, false) => x.to_ascii_lowercase().cmp(&b'%'),
            (false, true) => b'%'.cmp(&y.to_ascii_lowercase()),
            (false, false) => x.cmp(&y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// The length of a prefix `a` and `b` share, found eight bytes at a time: exact when they
/// differ within their whole words, else the whole words. Names that sort next to each other
/// (`content-length`, `content-type`, `x-cos-meta-…`) share long prefixes, and equal bytes
/// encode equally, so the byte-wise rules start after it.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let (a_words, _) = a.as_chunks::<8>();
    let (b_words, _) = b.as_chunks::<8>();
    for (i, (x, y)) in a_words.iter().zip(b_words).enumerate() {
        let diff = u64::from_le_bytes(*x) ^ u64::from_le_bytes(*y);
        if diff != 0 {
            // Little-endian: the lowest set bit is in the first differing byte.
            return 8 * i + (diff.trailing_zeros() / 8) as usize;
        }
    }
    8 * a_words.len().min(b_words.len())
}

/// Sorts a few `items` by canonical name; returns a name that occurs twice, if any.
///
/// An insertion sort rather than `sort_unstable_by` plus a pass over neighbours: an item
/// stops moving at the first name not greater than its own, so a duplicate is found by the
/// comparison the sort makes anyway, and a handful of items needs no more.
fn insertion_sort<'a>(items: &mut [Pair<'a>]) -> Option<&'a str> {
    for i in 1..items.len() {
        let item = items[i];
        let mut j = i;
        while j > 0 {
            match cmp_canonical(items[j - 1].0, item.0) {
                Ordering::Greater => {
                    items[j] = items[j - 1];
                    j -= 1;
                }
                Ordering::Equal => return Some(item.0),
                Ordering::Less => break,
            }
        }
        items[j] = item;
    }
    None
}

impl<'a> Sorted<'a> {
    /// Storage for `count` pairs: on the stack up to [`INLINE`].
    #[inline]
    pub(crate) fn for_count(count: usize) -> Self {
        if count == 0 {
            // Nothing to sort (a request without query): skip initialising the inline array.
            // An empty `Vec` does not allocate.
            Self::Heap(Vec::new())
        } else if count <= INLINE {
            Self::Inline([("", ""); INLINE], 0)
        } else {
            Self::Heap(Vec::with_capacity(count))
        }
    }

    /// Takes the pairs `keep(raw_name)` accepts, sorted; on two equal canonical names,
    /// `Err(name)` with the canonical name. Fills `self` in place: moving the inline array
    /// out of a constructor measurably cost a copy per signature.
    pub(crate) fn fill(
        &mut self,
        pairs: &[Pair<'a>],
        keep: impl Fn(&str) -> bool,
    ) -> Result<(), String> {
        for &pair in pairs.iter().filter(|(name, _)| keep(name)) {
            match self {
                Self::Inline(items, len) => match items.get_mut(*len) {
                    Some(slot) => {
                        *slot = pair;
                        *len += 1;
                    }
                    None => {
                        let mut heap = Vec::with_capacity(pairs.len());
                        heap.extend_from_slice(items);
                        heap.push(pair);
                        *self = Self::Heap(heap);
                    }
                },
                Self::Heap(items) => items.push(pair),
            }
        }
        let dup = match self {
            Self::Inline(items, len) => insertion_sort(&mut items[..*len]),
            Self::Heap(items) => {
                items.sort_unstable_by(|a, b| cmp_canonical(a.0, b.0));
                items
                    .windows(2)
                    .find(|w| cmp_canonical(w[0].0, w[1].0) == Ordering::Equal)
                    .map(|w| w[0].0)
            }
        };
        match dup {
            Some(dup) => {
                let mut name = String::new();
                uri_encode_lower_into(&mut name, dup);
                Err(name)
            }
            None => Ok(()),
        }
    }

    /// [`for_count`](Self::for_count) then [`fill`](Self::fill).
    #[cfg(test)]
    pub(crate) fn new(pairs: &[Pair<'a>], keep: impl Fn(&str) -> bool) -> Result<Self, String> {
        let mut this = Self::for_count(pairs.len());
        this.fill(pairs, keep)?;
        Ok(this)
    }

    /// The sorted pairs.
    pub(crate) fn as_slice(&self) -> &[Pair<'a>] {
        match self {
            Self::Inline(items, len) => &items[..*len],
            Self::Heap(items) => items,
        }
    }

    /// An upper bound of the length of `n1=UrlEncode(v1)&…` (every byte escaped).
    pub(crate) fn pairs_capacity(&self) -> usize {
        let items = self.as_slice();
        items.iter().map(|(n, v)| 3 * (n.len() + v.len()) + 2).sum()
    }

    /// An upper bound of the length of `n1;n2;…`.
    pub(crate) fn list_capacity(&self) -> usize {
        let items = self.as_slice();
        items.iter().map(|(n, _)| 3 * n.len() + 1).sum()
    }

    /// Appends `n1=UrlEncode(v1)&n2=…` (HttpParameters or HttpHeaders) and returns where the
    /// names went, so that [`write_list`](Self::write_list) can copy them.
    pub(crate) fn write_pairs(&self, out: &mut String) -> NameSpans {
        let mut spans = NameSpans {
            spans: [(0, 0); INLINE],
            len: 0,
        };
        for (i, (name, value)) in self.as_slice().iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            let start = out.len();
            uri_encode_lower_into(out, name);
            if let Some(span) = spans.spans.get_mut(i) {
                *span = (start, out.len());
                spans.len = i + 1;
            }
            out.push('=');
            uri_encode_into(out, value);
        }
        spans
    }

    /// Appends `n1;n2;…` (UrlParamList or HeaderList), copying the names from `spans` of
    /// `out` when they were all recorded.
    pub(crate) fn write_list(&self, out: &mut String, spans: &NameSpans) {
        let items = self.as_slice();
        let copy = spans.len == items.len();
        for (i, (name, _)) in items.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            if copy {
                let (start, end) = spans.spans[i];
                out.extend_from_within(start..end);
            } else {
                uri_encode_lower_into(out, name);
            }
        }
    }
}

/// Byte ranges of the canonical names [`Sorted::write_pairs`] wrote (the first [`INLINE`]).
pub(crate) struct NameSpans {
    spans: [(usize, usize); INLINE],
    len: usize,
}

impl NameSpans {
    /// No names recorded: [`Sorted::write_list`] encodes them again.
    #[cfg(test)]
    pub(crate) fn none() -> Self {
        Self {
            spans: [(0, 0); INLINE],
            len: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn canonical(name: &str) -> String {
        let mut out = String::new();
        uri_encode_lower_into(&mut out, name);
        out
    }

    #[test]
    fn sorts_by_encoded_lowercase_name_and_keeps_empty_values() {
        let params = Sorted::new(
            &[
                ("Prefix", "a/b c"),
                ("acl", ""),
                ("response-content-disposition", "x"),
            ],
            |_| true,
        )
        .unwrap();
        let mut s = String::new();
        params.write_pairs(&mut s);
        assert_eq!(s, "acl=&prefix=a%2Fb%20c&response-content-disposition=x");
        assert!(params.pairs_capacity() >= s.len());
        let headers = Sorted::new(
            &[
                ("Host", "h"),
                ("User-Agent", "ua"),
                ("x-cos-meta-Author", "Zhang San"),
            ],
            |raw| raw != "User-Agent",
        )
        .unwrap();
        s.clear();
        let spans = headers.write_pairs(&mut s);
        assert_eq!(s, "host=h&x-cos-meta-author=Zhang%20San");
        s.push('|');
        headers.write_list(&mut s, &spans);
        assert_eq!(
            s,
            "host=h&x-cos-meta-author=Zhang%20San|host;x-cos-meta-author"
        );
        let mut fresh = String::new();
        headers.write_list(&mut fresh, &NameSpans::none());
        assert_eq!(fresh, "host;x-cos-meta-author");
        assert!(headers.list_capacity() >= fresh.len());
    }

    #[test]
    fn lazy_comparison_agrees_with_comparing_encoded_names() {
        let names = [
            "",
            "a",
            "A",
            "a b",
            "a%",
            "a~",
            "a_",
            "a.",
            "a-",
            "a0",
            "aZ",
            "a[",
            "a{",
            "é",
            "É",
            "a\u{7f}",
            "a/",
            "ab",
            "a ",
            "%",
            "~",
            "z",
            "Z",
            "中",
            "a中",
            "a\u{1}",
            // Past a word, for the prefix skip.
            "content-length",
            "Content-Length",
            "content-lengtH",
            "content-lengt",
            "content-type",
            "content-Type",
            "x-cos-meta-a",
            "x-cos-meta-A",
            "x-cos-meta-é",
            "x-cos-meta-%",
            "x-cos-meta-author",
            "x-cos-meta-authority",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    cmp_canonical(a, b),
                    canonical(a).cmp(&canonical(b)),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn common_prefix_is_exact_within_whole_words() {
        let base = b"content-length-and-then-some-more";
        for len in 0..base.len() {
            for at in 0..=len {
                let a = &base[..len];
                let mut b = a.to_vec();
                if let Some(byte) = b.get_mut(at) {
                    *byte ^= 0x20;
                }
                let exact = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
                let whole_words = 8 * (len / 8);
                assert_eq!(
                    common_prefix(a, &b),
                    exact.min(whole_words),
                    "len {len}, at {at}"
                );
                assert_eq!(common_prefix(a, &base[..]), whole_words);
            }
        }
    }

    #[test]
    fn duplicates_after_lowercasing_are_reported() {
        let err = Sorted::new(&[("Content-Type", "a"), ("content-type", "b")], |_| true).err();
        assert_eq!(err.as_deref(), Some("content-type"));
        // Found wherever the two are in the input, and however many pairs there are.
        let err = Sorted::new(
            &[
                ("b", ""),
                ("Content-Type", "a"),
                ("a", ""),
                ("content-type", "b"),
            ],
            |_| true,
        )
        .err();
        assert_eq!(err.as_deref(), Some("content-type"));
        let names: Vec<String> = (0..INLINE + 2).map(|i| format!("n{i:02}")).collect();
        let mut pairs: Vec<Pair<'_>> = names.iter().map(|n| (n.as_str(), "")).collect();
        pairs.push(("N03", ""));
        let err = Sorted::new(&pairs, |_| true).err();
        assert_eq!(err.as_deref(), Some("n03"));
        // An unsigned duplicate does not matter.
        assert!(Sorted::new(&[("Accept", "a"), ("accept", "b")], |_| false).is_ok());
    }

    #[test]
    fn more_pairs_than_fit_inline() {
        let names: Vec<String> = (0..INLINE + 5).rev().map(|i| format!("P{i:02}")).collect();
        let pairs: Vec<Pair<'_>> = names.iter().map(|n| (n.as_str(), "v")).collect();
        let sorted = Sorted::new(&pairs, |_| true).unwrap();
        let mut s = String::new();
        let spans = sorted.write_pairs(&mut s);
        s.clear();
        sorted.write_list(&mut s, &spans);
        let expected: Vec<String> = (0..INLINE + 5).map(|i| format!("p{i:02}")).collect();
        assert_eq!(s, expected.join(";"));
    }

    #[test]
    fn inline_storage_spills_to_the_heap() {
        let names: Vec<String> = (0..INLINE + 3).map(|i| format!("n{i:02}")).collect();
        let pairs: Vec<Pair<'_>> = names.iter().rev().map(|n| (n.as_str(), "")).collect();
        let mut sorted = Sorted::for_count(0);
        sorted.fill(&pairs, |_| true).unwrap();
        assert!(matches!(sorted, Sorted::Heap(_)));
        let got: Vec<&str> = sorted.as_slice().iter().map(|p| p.0).collect();
        let want: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn empty_parts_write_nothing() {
        let sorted = Sorted::new(&[], |_| true).unwrap();
        let mut s = String::new();
        let spans = sorted.write_pairs(&mut s);
        sorted.write_list(&mut s, &spans);
        assert_eq!(s, "");
        assert_eq!((sorted.list_capacity(), sorted.pairs_capacity()), (0, 0));
    }
}

//! Resume decisions, pure: which parts of a checkpoint COS still has (a part is trusted only
//! when List Parts shows it with the same size and ETag), which listed parts could be verified
//! by MD5 instead, and which listed uploads are candidates when there is no checkpoint.

use crate::api::{ListedPart, ListedUpload};
use crate::checkpoint::CheckpointPart;
use crate::plan::PartPlan;
use crate::state::PartReceipt;

/// An ETag without quotes, lowercased (COS quotes ETags in headers and XML alike).
pub fn normalize_etag(etag: &str) -> String {
    etag.trim().trim_matches('"').to_ascii_lowercase()
}

/// What reconciling a checkpoint with List Parts found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reconciled {
    /// Parts recorded in the checkpoint and listed with the same size and ETag.
    pub trusted: Vec<(u32, PartReceipt)>,
    /// Parts listed with the planned size but not recorded (or recorded differently): they
    /// can be trusted only after the local part's MD5 matches their ETag.
    pub unverified: Vec<ListedPart>,
}

/// Reconciles the checkpoint's parts with the listed ones under `plan`.
pub fn reconcile(
    plan: &PartPlan,
    recorded: &[CheckpointPart],
    listed: &[ListedPart],
) -> Reconciled {
    let mut out = Reconciled::default();
    for l in listed {
        let Some(planned) = plan.part(l.number) else {
            continue;
        };
        if l.size != planned.len {
            continue;
        }
        let rec = recorded.iter().find(|r| r.number == l.number);
        match rec {
            Some(r) if r.size == l.size && normalize_etag(&r.etag) == normalize_etag(&l.etag) => {
                out.trusted.push((l.number, r.receipt()));
            }
            _ => out.unverified.push(l.clone()),
        }
    }
    out.trusted.sort_by_key(|(n, _)| *n);
    out.trusted.dedup_by_key(|(n, _)| *n);
    out.unverified.sort_by_key(|p| p.number);
    out.unverified.dedup_by_key(|p| p.number);
    out
}

/// Whether a listed part's ETag is the MD5 (hex) of the local bytes.
pub fn etag_matches_md5(etag: &str, md5_hex: &str) -> bool {
    normalize_etag(etag) == md5_hex.to_ascii_lowercase()
}

/// Uploads of exactly `key`, newest first (the official SDKs' candidate order).
pub fn candidates_for_key(uploads: &[ListedUpload], key: &str) -> Vec<ListedUpload> {
    let mut c: Vec<ListedUpload> = uploads.iter().filter(|u| u.key == key).cloned().collect();
    c.sort_by_key(|u| std::cmp::Reverse(u.initiated));
    c
}

/// Whether a listing is consistent with `plan` (no part past the plan, every listed part of
/// the planned size), as the SDKs require before adopting an upload found by listing.
pub fn listing_fits_plan(plan: &PartPlan, listed: &[ListedPart]) -> bool {
    listed
        .iter()
        .all(|l| plan.part(l.number).is_some_and(|p| p.len == l.size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MIB;
    use std::time::{Duration, UNIX_EPOCH};

    fn listed(number: u32, etag: &str, size: u64) -> ListedPart {
        ListedPart {
            number,
            etag: etag.into(),
            size,
        }
    }

    fn recorded(number: u32, etag: &str, size: u64) -> CheckpointPart {
        CheckpointPart {
            number,
            etag: etag.into(),
            size,
            crc64: u64::from(number),
        }
    }

    #[test]
    fn trusts_only_matching_size_and_etag() {
        let plan = PartPlan::with_part_size(3 * MIB + 10, MIB).unwrap();
        let rec = [
            recorded(1, "\"AAAA\"", MIB),
            recorded(2, "\"bbbb\"", MIB),
            recorded(3, "\"cccc\"", MIB),
            recorded(4, "\"dddd\"", 10),
        ];
        let list = [
            listed(1, "\"aaaa\"", MIB), // same ETag, other case: trusted
            listed(2, "\"xxxx\"", MIB), // other ETag: unverified
            listed(4, "\"dddd\"", 10),  // trusted
            listed(5, "\"eeee\"", MIB), // past the plan: ignored
            listed(3, "\"cccc\"", 5),   // wrong size: ignored
        ];
        let r = reconcile(&plan, &rec, &list);
        let trusted: Vec<u32> = r.trusted.iter().map(|(n, _)| *n).collect();
        assert_eq!(trusted, vec![1, 4]);
        assert_eq!(r.trusted[0].1.crc64, 1);
        assert_eq!(r.unverified, vec![listed(2, "\"xxxx\"", MIB)]);
        assert!(!listing_fits_plan(&plan, &list));
        assert!(listing_fits_plan(&plan, &list[..3]));
    }

    #[test]
    fn parts_missing_from_the_listing_are_not_trusted() {
        let plan = PartPlan::with_part_size(2 * MIB, MIB).unwrap();
        let r = reconcile(&plan, &[recorded(1, "\"a\"", MIB)], &[]);
        assert!(r.trusted.is_empty());
    }

    #[test]
    fn md5_and_candidates() {
        assert!(etag_matches_md5(
            "\"D41D8CD98F00B204E9800998ECF8427E\"",
            "d41d8cd98f00b204e9800998ecf8427e"
        ));
        let at = |s| Some(UNIX_EPOCH + Duration::from_secs(s));
        let ups = vec![
            ListedUpload {
                key: "a".into(),
                upload_id: "old".into(),
                initiated: at(1),
            },
            ListedUpload {
                key: "ab".into(),
                upload_id: "other".into(),
                initiated: at(5),
            },
            ListedUpload {
                key: "a".into(),
                upload_id: "new".into(),
                initiated: at(3),
            },
        ];
        let ids: Vec<String> = candidates_for_key(&ups, "a")
            .into_iter()
            .map(|u| u.upload_id)
            .collect();
        assert_eq!(ids, vec!["new", "old"]);
    }
}

//! Resume decisions, pure: which parts of a checkpoint COS still has (a part is trusted only
//! when List Parts shows it with the same size and ETag), which listed parts could be verified
//! by MD5 instead, and which listed uploads are candidates when there is no checkpoint.

use cos_model::{ETag, PartNumber};

use crate::api::{ListedPart, ListedUpload};
use crate::checkpoint::CheckpointPart;
use crate::plan::PartPlan;
use crate::state::PartReceipt;

/// What reconciling a checkpoint with List Parts found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reconciled {
    /// Parts recorded in the checkpoint and listed with the same size and ETag.
    pub trusted: Vec<(PartNumber, PartReceipt)>,
    /// Parts listed with the planned size but not recorded (or recorded differently): they
    /// can be trusted only after the local part's MD5 matches their ETag.
    pub unverified: Vec<ListedPart>,
}

/// ETags compared as COS's hex digests are: without regard to case.
fn same_etag(a: &ETag, b: &ETag) -> bool {
    a.as_unquoted().eq_ignore_ascii_case(b.as_unquoted())
}

/// Reconciles the checkpoint's parts with the listed ones under `plan`.
pub fn reconcile(
    plan: &PartPlan,
    recorded: &[CheckpointPart],
    listed: &[ListedPart],
) -> Reconciled {
    let mut out = Reconciled::default();
    for l in listed {
        let Some(planned) = plan.part(l.number.get()) else {
            continue;
        };
        if l.size != planned.len {
            continue;
        }
        let receipt = recorded
            .iter()
            .find(|r| r.number == l.number.get())
            .map(CheckpointPart::receipt);
        match receipt {
            Some(r) if r.size == l.size && same_etag(&r.etag, &l.etag) => {
                out.trusted.push((l.number, r));
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

/// Whether an ETag is the MD5 of the local bytes (COS's ETag of a part or a simple upload).
pub fn etag_matches_md5(etag: &ETag, md5: [u8; 16]) -> bool {
    same_etag(etag, &ETag::from_md5(md5))
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
        .all(|l| plan.part(l.number.get()).is_some_and(|p| p.len == l.size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MIB;
    use std::time::{Duration, UNIX_EPOCH};

    fn listed(number: u32, etag: &str, size: u64) -> ListedPart {
        ListedPart {
            number: PartNumber::new(number).unwrap(),
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
        let trusted: Vec<u32> = r.trusted.iter().map(|(n, _)| n.get()).collect();
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
        let empty_md5 = [
            0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8,
            0x42, 0x7e,
        ];
        assert!(etag_matches_md5(
            &ETag::new("\"D41D8CD98F00B204E9800998ECF8427E\""),
            empty_md5
        ));
        assert!(!etag_matches_md5(&ETag::new("\"d41d\""), empty_md5));
        let id = |s: &str| cos_model::UploadId::new(s).unwrap();
        let at = |s| Some(UNIX_EPOCH + Duration::from_secs(s));
        let ups = vec![
            ListedUpload {
                key: "a".into(),
                upload_id: id("old"),
                initiated: at(1),
            },
            ListedUpload {
                key: "ab".into(),
                upload_id: id("other"),
                initiated: at(5),
            },
            ListedUpload {
                key: "a".into(),
                upload_id: id("new"),
                initiated: at(3),
            },
        ];
        let ids: Vec<String> = candidates_for_key(&ups, "a")
            .into_iter()
            .map(|u| u.upload_id.to_string())
            .collect();
        assert_eq!(ids, vec!["new", "old"]);
    }
}

//! XML pieces shared by several operations: owners, common prefixes, paging markers,
//! `encoding-type=url` decoding.

use crate::encode::{decode_listing_value, encode_listing_value};
use crate::{ParseError, ResponseHead};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An owner or initiator (`<Owner>`, `<Initiator>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Owner {
    /// `<ID>`, e.g. `qcs::cam::uin/100000000001:uin/100000000001` or `1250000000`.
    #[serde(rename = "ID", default)]
    pub id: String,
    /// `<DisplayName>`.
    #[serde(rename = "DisplayName", default)]
    pub display_name: String,
}

/// A marker for the next page of a bucket listing (GetService).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BucketMarker(pub String);

/// A marker for the next page of an object listing (GetBucket): the last key returned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjectMarker(pub String);

/// A marker for the next page of a part listing (ListParts): the last part number returned
/// (0 = from the start).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct PartNumberMarker(pub u32);

/// A marker for the next page of an upload listing (ListMultipartUploads): key and upload id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UploadMarker {
    /// `key-marker`.
    pub key: String,
    /// `upload-id-marker` (only meaningful with a key).
    pub upload_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PrefixEntry {
    #[serde(rename = "Prefix", default)]
    prefix: String,
}

/// `<CommonPrefixes><Prefix>…</Prefix></CommonPrefixes>`* as a list of strings.
pub(crate) mod common_prefixes {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|p| PrefixEntry { prefix: p.clone() }))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(Vec::<PrefixEntry>::deserialize(d)?
            .into_iter()
            .map(|e| e.prefix)
            .collect())
    }
}

/// Whether a listing says its values are URL-encoded.
pub(crate) fn is_url_encoded(encoding_type: &Option<String>) -> bool {
    encoding_type
        .as_deref()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("url"))
}

/// Decodes one listing value in place.
pub(crate) fn decode_in_place(head: &ResponseHead, v: &mut String) -> Result<(), ParseError> {
    *v = decode_listing_value(v).map_err(|e| ParseError::decode(head, e.to_string()))?;
    Ok(())
}

/// Encodes one listing value (for writing a listing with `encoding-type=url`).
pub(crate) fn encode_in_place(v: &mut String) {
    *v = encode_listing_value(v);
}

/// Parses `"true"`/`"false"` leniently; re-exported for the result types.
pub(crate) use crate::xml::lenient_bool;

/// Checks a `max-*` listing parameter (1..=1000).
pub(crate) fn check_max(parameter: &'static str, v: Option<u32>) -> Result<(), crate::ModelError> {
    match v {
        Some(n) if !(1..=1000).contains(&n) => Err(crate::ModelError::InvalidParameter {
            parameter,
            reason: format!("{n} is outside 1..=1000"),
        }),
        _ => Ok(()),
    }
}

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

/// A listing result whose strings (keys, prefixes, markers) COS URL-encodes when the request
/// asked for `encoding-type=url`: one place for the rule, for reading and for writing.
pub(crate) trait UrlEncodedListing: Clone + Serialize {
    /// The XML root element.
    const ROOT: &'static str;

    /// `<EncodingType>` (or `<Encoding-type>`) as received or to be written.
    fn encoding_type(&self) -> Option<&str>;

    /// Applies `f` to every string the encoding covers.
    fn for_each_encoded(
        &mut self,
        f: &mut dyn FnMut(&mut String) -> Result<(), ParseError>,
    ) -> Result<(), ParseError>;

    /// Whether the listing says its values are URL-encoded.
    fn is_url_encoded(&self) -> bool {
        self.encoding_type()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("url"))
    }

    /// Decodes the covered strings of a parsed response, if it says they are encoded.
    fn decode_values(&mut self, head: &ResponseHead) -> Result<(), ParseError> {
        if !self.is_url_encoded() {
            return Ok(());
        }
        self.for_each_encoded(&mut |v| {
            *v = decode_listing_value(v).map_err(|e| ParseError::decode(head, e.to_string()))?;
            Ok(())
        })
    }

    /// The XML document (servers), with the covered strings encoded as COS does when
    /// `encoding_type` is `url`.
    fn encoded_xml(&self) -> Result<String, crate::ModelError> {
        let mut wire = self.clone();
        if wire.is_url_encoded() {
            wire.for_each_encoded(&mut |v| {
                *v = encode_listing_value(v);
                Ok(())
            })
            .map_err(|e| crate::ModelError::Body(e.to_string()))?;
        }
        crate::xml::to_string(Self::ROOT, &wire).map_err(crate::ModelError::Body)
    }
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

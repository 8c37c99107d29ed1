//! The listings: GET Bucket (objects), List Multipart Uploads and List Parts, with prefixes,
//! delimiters, markers, limits and `encoding-type=url`.

use super::{Ctx, Outcome, parse_max, url_encoding};
use crate::error::{CosError, ErrorCode};
use crate::names::url_encode_key;
use crate::reply::xml;
use crate::world::{OWNER_ID, OWNER_NAME};
use crate::xml::write::XmlWriter;
use http::StatusCode;

/// One entry of a listing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry<T> {
    /// An item (object or upload) with its key.
    Item(String, T),
    /// A common prefix.
    Prefix(String),
}

/// A page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The entries in order.
    pub entries: Vec<Entry<T>>,
    /// Whether more entries follow.
    pub truncated: bool,
}

/// Groups sorted `(key, item)` pairs (already past the marker) into a page: keys outside
/// `prefix` are skipped, keys with `delimiter` after the prefix collapse into common prefixes
/// (a common prefix not after `marker` is skipped), at most `max` entries.
pub fn paginate<T>(
    items: impl Iterator<Item = (String, T)>,
    prefix: &str,
    delimiter: &str,
    marker: Option<&str>,
    max: usize,
) -> Page<T> {
    let mut entries = Vec::new();
    let mut truncated = false;
    let mut last_prefix: Option<String> = None;
    if max == 0 {
        return Page { entries, truncated };
    }
    for (key, item) in items {
        if !key.starts_with(prefix) {
            continue;
        }
        if !delimiter.is_empty()
            && let Some(pos) = key[prefix.len()..].find(delimiter)
        {
            let cp = &key[..prefix.len() + pos + delimiter.len()];
            if last_prefix.as_deref() == Some(cp) || marker.is_some_and(|m| cp <= m) {
                continue;
            }
            if entries.len() == max {
                truncated = true;
                break;
            }
            last_prefix = Some(cp.to_string());
            entries.push(Entry::Prefix(cp.to_string()));
            continue;
        }
        if entries.len() == max {
            truncated = true;
            break;
        }
        entries.push(Entry::Item(key, item));
    }
    Page { entries, truncated }
}

fn enc(s: &str, url: bool) -> String {
    if url {
        url_encode_key(s)
    } else {
        s.to_string()
    }
}

fn owner(w: &mut XmlWriter, tag: &str) {
    w.open(tag)
        .elem("ID", OWNER_ID)
        .elem("DisplayName", OWNER_NAME)
        .close(tag);
}

/// GET Bucket (List Objects).
pub fn get_bucket(ctx: &Ctx<'_>) -> Outcome {
    let q = ctx.query;
    let url = url_encoding(q)?;
    let max = parse_max(q, "max-keys")?;
    let prefix = q.get("prefix").unwrap_or("");
    let delimiter = q.get("delimiter").unwrap_or("");
    let marker = q.get("marker").unwrap_or("");
    let page = ctx.with_bucket(|b| {
        let items = b
            .objects
            .range::<str, _>((
                std::ops::Bound::Excluded(marker),
                std::ops::Bound::Unbounded,
            ))
            .map(|(k, o)| (k.clone(), o.clone()));
        Ok(paginate(
            items,
            prefix,
            delimiter,
            Some(marker).filter(|m| !m.is_empty()),
            max,
        ))
    })?;
    let mut w = XmlWriter::new();
    w.open("ListBucketResult").elem("Name", ctx.bucket_name()?);
    if url {
        w.elem("EncodingType", "url");
    }
    w.elem("Prefix", &enc(prefix, url))
        .elem("Marker", &enc(marker, url))
        .elem("MaxKeys", &max.to_string());
    if !delimiter.is_empty() {
        w.elem("Delimiter", &enc(delimiter, url));
    }
    w.elem("IsTruncated", if page.truncated { "true" } else { "false" });
    if page.truncated
        && let Some(last) = page.entries.last()
    {
        let m = match last {
            Entry::Item(k, _) | Entry::Prefix(k) => k,
        };
        w.elem("NextMarker", &enc(m, url));
    }
    for e in &page.entries {
        if let Entry::Item(key, o) = e {
            w.open("Contents")
                .elem("Key", &enc(key, url))
                .elem("LastModified", &o.last_modified.iso8601())
                .elem("ETag", &o.etag)
                .elem("Size", &o.blob.len().to_string());
            owner(&mut w, "Owner");
            w.elem("StorageClass", &o.meta.storage_class)
                .close("Contents");
        }
    }
    for e in &page.entries {
        if let Entry::Prefix(p) = e {
            w.open("CommonPrefixes")
                .elem("Prefix", &enc(p, url))
                .close("CommonPrefixes");
        }
    }
    w.close("ListBucketResult");
    Ok(xml(StatusCode::OK, w.finish()))
}

/// List Multipart Uploads.
pub fn list_uploads(ctx: &Ctx<'_>) -> Outcome {
    let q = ctx.query;
    let url = url_encoding(q)?;
    let max = parse_max(q, "max-uploads")?;
    let prefix = q.get("prefix").unwrap_or("");
    let delimiter = q.get("delimiter").unwrap_or("");
    let key_marker = q.get("key-marker").unwrap_or("");
    let id_marker = q.get("upload-id-marker").unwrap_or("");
    let page = ctx.with_bucket(|b| {
        let mut ups: Vec<_> = b
            .uploads
            .iter()
            .filter(|(id, u)| {
                key_marker.is_empty()
                    || u.key.as_str() > key_marker
                    || (u.key == key_marker && !id_marker.is_empty() && id.as_str() > id_marker)
            })
            .map(|(id, u)| {
                (
                    u.key.clone(),
                    (id.clone(), u.initiated, u.meta.storage_class.clone()),
                )
            })
            .collect();
        ups.sort_by(|a, b| (a.0.as_str(), a.1.0.as_str()).cmp(&(b.0.as_str(), b.1.0.as_str())));
        Ok(paginate(
            ups.into_iter(),
            prefix,
            delimiter,
            Some(key_marker).filter(|m| !m.is_empty()),
            max,
        ))
    })?;
    let mut w = XmlWriter::new();
    w.open("ListMultipartUploadsResult")
        .elem("Bucket", ctx.bucket_name()?);
    if url {
        w.elem("Encoding-Type", "url");
    }
    w.elem("KeyMarker", &enc(key_marker, url))
        .elem("UploadIdMarker", id_marker);
    if page.truncated {
        match page.entries.last() {
            Some(Entry::Item(k, (id, _, _))) => {
                w.elem("NextKeyMarker", &enc(k, url))
                    .elem("NextUploadIdMarker", id);
            }
            Some(Entry::Prefix(p)) => {
                w.elem("NextKeyMarker", &enc(p, url))
                    .elem("NextUploadIdMarker", "");
            }
            None => {}
        }
    }
    w.elem("MaxUploads", &max.to_string())
        .elem("IsTruncated", if page.truncated { "true" } else { "false" });
    w.elem("Prefix", &enc(prefix, url));
    if !delimiter.is_empty() {
        w.elem("Delimiter", &enc(delimiter, url));
    }
    for e in &page.entries {
        if let Entry::Item(key, (id, initiated, class)) = e {
            w.open("Upload")
                .elem("Key", &enc(key, url))
                .elem("UploadId", id)
                .elem("StorageClass", class);
            owner(&mut w, "Initiator");
            owner(&mut w, "Owner");
            w.elem("Initiated", &initiated.iso8601()).close("Upload");
        }
    }
    for e in &page.entries {
        if let Entry::Prefix(p) = e {
            w.open("CommonPrefixes")
                .elem("Prefix", &enc(p, url))
                .close("CommonPrefixes");
        }
    }
    w.close("ListMultipartUploadsResult");
    Ok(xml(StatusCode::OK, w.finish()))
}

/// List Parts of one upload.
pub fn list_parts(ctx: &Ctx<'_>) -> Outcome {
    let q = ctx.query;
    let url = url_encoding(q)?;
    let max = parse_max(q, "max-parts")?;
    let marker = match q.get("part-number-marker") {
        None | Some("") => 0,
        Some(m) => m.parse::<u32>().map_err(|_| {
            CosError::with_message(
                ErrorCode::InvalidArgument,
                "part-number-marker must be an integer.",
            )
        })?,
    };
    let key = ctx.key()?;
    let upload_id = q.get("uploadId").unwrap_or("");
    let (parts, truncated, class) = ctx.with_bucket(|b| {
        let u = b
            .uploads
            .get(upload_id)
            .filter(|u| u.key == key)
            .ok_or_else(|| CosError::new(ErrorCode::NoSuchUpload))?;
        let mut it = u
            .parts
            .range(marker.saturating_add(1)..)
            .map(|(n, p)| (*n, p.clone()));
        let parts: Vec<_> = it.by_ref().take(max).collect();
        let truncated = max > 0 && it.next().is_some();
        Ok((parts, truncated, u.meta.storage_class.clone()))
    })?;
    let mut w = XmlWriter::new();
    w.open("ListPartsResult").elem("Bucket", ctx.bucket_name()?);
    if url {
        w.elem("Encoding-type", "url");
    }
    w.elem("Key", &enc(key, url)).elem("UploadId", upload_id);
    owner(&mut w, "Initiator");
    owner(&mut w, "Owner");
    w.elem("StorageClass", &class)
        .elem("PartNumberMarker", &marker.to_string())
        .elem(
            "NextPartNumberMarker",
            &parts.last().map_or(marker, |p| p.0).to_string(),
        )
        .elem("MaxParts", &max.to_string())
        .elem("IsTruncated", if truncated { "true" } else { "false" });
    for (n, p) in &parts {
        w.open("Part")
            .elem("PartNumber", &n.to_string())
            .elem("LastModified", &p.last_modified.iso8601())
            .elem("ETag", &p.etag)
            .elem("Size", &p.blob.len().to_string())
            .close("Part");
    }
    w.close("ListPartsResult");
    Ok(xml(StatusCode::OK, w.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn page(keys: &[&str], prefix: &str, delim: &str, marker: &str, max: usize) -> Page<()> {
        let items = keys
            .iter()
            .filter(|k| **k > marker)
            .map(|k| (k.to_string(), ()));
        paginate(
            items,
            prefix,
            delim,
            Some(marker).filter(|m| !m.is_empty()),
            max,
        )
    }

    #[test]
    fn groups_common_prefixes() {
        let keys = ["a/1", "a/2", "b", "c/x/1", "c/y"];
        let p = page(&keys, "", "/", "", 10);
        assert_eq!(
            p.entries,
            vec![
                Entry::Prefix("a/".into()),
                Entry::Item("b".into(), ()),
                Entry::Prefix("c/".into())
            ]
        );
        let p = page(&keys, "c/", "/", "", 10);
        assert_eq!(
            p.entries,
            vec![Entry::Prefix("c/x/".into()), Entry::Item("c/y".into(), ())]
        );
        let p = page(&keys, "", "/", "", 1);
        assert!(p.truncated);
        let p = page(&keys, "", "/", "a/", 10);
        assert_eq!(p.entries[0], Entry::Item("b".into(), ()));
    }

    proptest! {
        /// Paging through with NextMarker visits every key and prefix exactly once.
        #[test]
        fn pages_cover_the_listing(mut keys in proptest::collection::btree_set("[ab/]{1,5}", 0..30),
                                   max in 1usize..5, delim in prop_oneof![Just(""), Just("/")]) {
            let keys: Vec<String> = std::mem::take(&mut keys).into_iter().collect();
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            let all = page(&refs, "", delim, "", 10_000).entries;
            let mut seen = Vec::new();
            let mut marker = String::new();
            loop {
                let p = page(&refs, "", delim, &marker, max);
                seen.extend(p.entries.iter().cloned());
                if !p.truncated { break; }
                marker = match p.entries.last().unwrap() { Entry::Item(k, _) | Entry::Prefix(k) => k.clone() };
            }
            prop_assert_eq!(seen, all);
        }
    }
}

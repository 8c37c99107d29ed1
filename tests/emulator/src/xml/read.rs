//! Readers for the XML request bodies: `CompleteMultipartUpload` and `Delete`. Anything not
//! well-formed or missing a required element is `MalformedXML`, as COS answers.

use quick_xml::Reader;
use quick_xml::events::Event;

/// A parsed element: name, text and children.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    /// Local name.
    pub name: String,
    /// Concatenated text content (unescaped).
    pub text: String,
    /// Child elements in order.
    pub children: Vec<Element>,
}

impl Element {
    /// Children called `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child called `name`.
    pub fn child_text<'a>(&'a self, name: &str) -> Option<&'a str> {
        self.children
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.text.as_str())
    }
}

/// The body is not XML we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

const MAX_DEPTH: usize = 16;

/// Parses a whole document into its root element.
pub fn parse(body: &[u8]) -> Result<Element, Malformed> {
    let text = std::str::from_utf8(body).map_err(|_| Malformed("body is not UTF-8".into()))?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let ev = reader.read_event().map_err(|e| Malformed(e.to_string()))?;
        match ev {
            Event::Start(s) => {
                if root.is_some() {
                    return Err(Malformed("content after the root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Malformed("nested too deeply".into()));
                }
                let name = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                stack.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::Empty(s) => {
                let name = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                let el = Element {
                    name,
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(Malformed("content after the root element".into())),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| Malformed("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| Malformed(e.to_string()))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(Malformed("text outside the root element".into())),
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(Malformed("unclosed element".into()));
    }
    root.ok_or_else(|| Malformed("no root element".into()))
}

/// One `<Part>` of a CompleteMultipartUpload body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletePart {
    /// `PartNumber`.
    pub part_number: u32,
    /// `ETag` as sent (quotes included if the client sent them).
    pub etag: String,
}

/// Parses `<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…</CompleteMultipartUpload>`.
pub fn complete_multipart(body: &[u8]) -> Result<Vec<CompletePart>, Malformed> {
    let root = parse(body)?;
    if root.name != "CompleteMultipartUpload" {
        return Err(Malformed(format!("unexpected root <{}>", root.name)));
    }
    let mut parts = Vec::new();
    for p in root.all("Part") {
        let n = p
            .child_text("PartNumber")
            .ok_or_else(|| Malformed("Part without PartNumber".into()))?;
        let part_number = n
            .trim()
            .parse::<u32>()
            .map_err(|_| Malformed(format!("bad PartNumber `{n}`")))?;
        let etag = p
            .child_text("ETag")
            .ok_or_else(|| Malformed("Part without ETag".into()))?;
        parts.push(CompletePart {
            part_number,
            etag: etag.trim().to_string(),
        });
    }
    if parts.is_empty() {
        return Err(Malformed("no parts".into()));
    }
    Ok(parts)
}

/// A parsed `<Delete>` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRequest {
    /// `Quiet` mode: report only failures.
    pub quiet: bool,
    /// The keys (with their optional version ids).
    pub objects: Vec<(String, Option<String>)>,
}

/// Most keys one Delete Multiple Objects request may name.
pub const MAX_DELETE_KEYS: usize = 1000;

/// Parses `<Delete><Quiet/><Object><Key/></Object>…</Delete>`.
pub fn delete_objects(body: &[u8]) -> Result<DeleteRequest, Malformed> {
    let root = parse(body)?;
    if root.name != "Delete" {
        return Err(Malformed(format!("unexpected root <{}>", root.name)));
    }
    let quiet = match root.child_text("Quiet").map(str::trim) {
        None => false,
        Some(q) if q.eq_ignore_ascii_case("true") => true,
        Some(q) if q.eq_ignore_ascii_case("false") => false,
        Some(q) => return Err(Malformed(format!("bad Quiet `{q}`"))),
    };
    let mut objects = Vec::new();
    for o in root.all("Object") {
        let key = o
            .child_text("Key")
            .ok_or_else(|| Malformed("Object without Key".into()))?;
        if key.is_empty() {
            return Err(Malformed("empty Key".into()));
        }
        objects.push((
            key.to_string(),
            o.child_text("VersionId").map(str::to_string),
        ));
    }
    if objects.is_empty() || objects.len() > MAX_DELETE_KEYS {
        return Err(Malformed(format!(
            "{} objects (1..=1000 allowed)",
            objects.len()
        )));
    }
    Ok(DeleteRequest { quiet, objects })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_body() {
        let body = br#"<?xml version="1.0"?>
<CompleteMultipartUpload>
  <Part><PartNumber>1</PartNumber><ETag>"aa"</ETag></Part>
  <Part><PartNumber>2</PartNumber><ETag>bb</ETag></Part>
</CompleteMultipartUpload>"#;
        let parts = complete_multipart(body).unwrap();
        assert_eq!(
            parts,
            vec![
                CompletePart {
                    part_number: 1,
                    etag: "\"aa\"".into()
                },
                CompletePart {
                    part_number: 2,
                    etag: "bb".into()
                },
            ]
        );
        assert!(
            complete_multipart(b"<CompleteMultipartUpload></CompleteMultipartUpload>").is_err()
        );
        assert!(complete_multipart(b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>").is_err());
        assert!(complete_multipart(b"<CompleteMultipartUpload><Part>").is_err());
        assert!(complete_multipart(b"not xml").is_err());
    }

    #[test]
    fn delete_body() {
        let body = b"<Delete><Quiet>true</Quiet><Object><Key>a &amp; b</Key></Object><Object><Key>c</Key><VersionId>v</VersionId></Object></Delete>";
        let d = delete_objects(body).unwrap();
        assert!(d.quiet);
        assert_eq!(
            d.objects,
            vec![("a & b".into(), None), ("c".into(), Some("v".into()))]
        );
        assert!(
            delete_objects(b"<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>")
                .is_err()
        );
        assert!(delete_objects(b"<Delete></Delete>").is_err());
    }
}

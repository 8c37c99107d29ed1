//! XML helpers: reading a body's root element, deserialising, and writing bodies.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The XML declaration COS puts before its bodies.
pub const DECLARATION: &str = "<?xml version='1.0' encoding='utf-8' ?>\n";

/// The body as text without a BOM and leading whitespace (Complete's keep-alive spaces), or
/// `None` when it is not UTF-8.
pub(crate) fn text(body: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(body).ok()?;
    Some(s.trim_start_matches('\u{feff}').trim_start())
}

/// The local name of the document's root element, if the text is XML with a root element.
pub fn root_name(text: &str) -> Option<String> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                return std::str::from_utf8(e.local_name().as_ref())
                    .ok()
                    .map(str::to_owned);
            }
            Ok(Event::Decl(_))
            | Ok(Event::Comment(_))
            | Ok(Event::PI(_))
            | Ok(Event::DocType(_)) => {}
            Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
            _ => return None,
        }
    }
}

/// Deserialises `text` (an XML document whose root is `T`). Unknown elements are ignored.
/// Whitespace at the edges of text content is kept (see [`protect_edge_whitespace`]).
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    quick_xml::de::from_str(&protect_edge_whitespace(text)).map_err(|e| e.to_string())
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn push_char_refs(out: &mut String, ws: &str) {
    for c in ws.chars() {
        out.push_str(&format!("&#x{:X};", u32::from(c)));
    }
}

fn position(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

/// quick-xml 0.37's deserializer trims the text of every element, which would turn a key
/// `"a "` into `"a"` and drop the final line break of `<FormatString>`. This rewrites
/// leading and trailing whitespace of text content (and the whole content of an element
/// holding only whitespace) as character references, which it keeps. Whitespace between
/// elements is left alone. Malformed input is returned unchanged for the deserializer to
/// report.
pub(crate) fn protect_edge_whitespace(xml: &str) -> std::borrow::Cow<'_, str> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut copied = 0;
    let mut prev_was_start = false;
    let mut pending: Option<(usize, usize)> = None;
    loop {
        let start = position(&reader);
        let Ok(event) = reader.read_event() else {
            return std::borrow::Cow::Borrowed(xml);
        };
        let end = position(&reader);
        let (Some(raw), true) = (xml.get(start..end), start <= end) else {
            return std::borrow::Cow::Borrowed(xml);
        };
        match event {
            Event::Eof => break,
            Event::Text(_) => {
                let body = raw.trim_matches(is_xml_space);
                if body.is_empty() {
                    pending = prev_was_start.then_some((start, end));
                } else {
                    let lead = raw.len() - raw.trim_start_matches(is_xml_space).len();
                    let trail = raw.len() - raw.trim_end_matches(is_xml_space).len();
                    if lead > 0 || trail > 0 {
                        out.push_str(&xml[copied..start]);
                        push_char_refs(&mut out, &raw[..lead]);
                        out.push_str(body);
                        push_char_refs(&mut out, &raw[raw.len() - trail..]);
                        copied = end;
                    }
                    pending = None;
                }
                prev_was_start = false;
                continue;
            }
            Event::End(_) => {
                if let Some((s, e)) = pending.take() {
                    out.push_str(&xml[copied..s]);
                    push_char_refs(&mut out, &xml[s..e]);
                    copied = e;
                }
            }
            _ => pending = None,
        }
        prev_was_start = matches!(event, Event::Start(_));
    }
    if copied == 0 {
        std::borrow::Cow::Borrowed(xml)
    } else {
        out.push_str(&xml[copied..]);
        std::borrow::Cow::Owned(out)
    }
}

/// Serialises `value` as a document whose root element is `root`, with COS's declaration.
pub(crate) fn to_string<T: Serialize>(root: &str, value: &T) -> Result<String, String> {
    let body = quick_xml::se::to_string_with_root(root, value).map_err(|e| e.to_string())?;
    Ok(format!("{DECLARATION}{body}"))
}

/// `bool` as COS writes it (`true`/`false`), read leniently (`True`, `1`).
pub(crate) mod lenient_bool {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *v { "true" } else { "false" })
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        match s.trim() {
            t if t.eq_ignore_ascii_case("true") || t == "1" => Ok(true),
            t if t.eq_ignore_ascii_case("false") || t == "0" || t.is_empty() => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "{other:?} is not a boolean"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_names() {
        assert_eq!(
            root_name("<?xml version='1.0' ?>\n<Error><Code/></Error>").as_deref(),
            Some("Error")
        );
        assert_eq!(root_name("  <a:Foo xmlns:a='x'/>").as_deref(), Some("Foo"));
        assert_eq!(root_name("not xml"), None);
        assert_eq!(root_name(""), None);
        assert_eq!(text(b"\xef\xbb\xbf  \n<A/>"), Some("<A/>"));
        assert_eq!(text(b"\xff"), None);
    }

    #[test]
    fn edge_whitespace_is_kept() {
        let doc = "<A>\n  <B> x y\n</B>\n  <C> </C><D/><E>a&amp;b </E>\n</A>";
        assert_eq!(
            protect_edge_whitespace(doc),
            "<A>\n  <B>&#x20;x y&#xA;</B>\n  <C>&#x20;</C><D/><E>a&amp;b&#x20;</E>\n</A>"
        );
        assert_eq!(
            protect_edge_whitespace("<A><B>x</B></A>"),
            "<A><B>x</B></A>"
        );
        assert_eq!(protect_edge_whitespace("<A><B> x</A>"), "<A><B> x</A>");
    }
}

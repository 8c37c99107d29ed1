//! A minimal XML writer: elements, escaped text, COS's declaration.

/// Builds one XML document.
#[derive(Debug)]
pub struct XmlWriter {
    out: String,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    /// A document starting with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub fn new() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// A document starting with COS's error declaration `<?xml version='1.0' encoding='utf-8' ?>`.
    pub fn error_document() -> Self {
        XmlWriter {
            out: String::from("<?xml version='1.0' encoding='utf-8' ?>\n"),
        }
    }

    /// Opens `<tag>`.
    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// Closes `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// `<tag>text</tag>` with the text escaped.
    pub fn elem(&mut self, tag: &str, text: &str) -> &mut Self {
        self.open(tag);
        escape_into(&mut self.out, text);
        self.close(tag)
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'`.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text() {
        let mut w = XmlWriter::new();
        w.open("A").elem("ETag", "\"x\"<&>'").close("A");
        assert!(
            w.finish()
                .ends_with("<A><ETag>&quot;x&quot;&lt;&amp;&gt;&apos;</ETag></A>")
        );
    }
}

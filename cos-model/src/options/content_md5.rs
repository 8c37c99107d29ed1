//! `Content-MD5` values: Base64 of the 16 raw bytes of a body's MD5.

/// Base64 of the MD5 of `data`, as `Content-MD5` wants it.
pub fn content_md5(data: &[u8]) -> String {
    use base64::Engine;
    use md5::Digest;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(data))
}

/// `Content-MD5` from a 16-byte MD5 digest.
pub fn content_md5_from_digest(digest: [u8; 16]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5() {
        // Vector D1 (shared/spec/cos-protocol.md, "Test vectors"): body "ObjectContent".
        assert_eq!(content_md5(b"ObjectContent"), "mQ/fVh815F3k6TAUm8m0eg==");
    }
}

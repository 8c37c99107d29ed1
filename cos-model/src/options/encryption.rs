//! `ServerSideEncryption`: how COS encrypts the stored object (SSE-COS or SSE-KMS), and the
//! `x-cos-server-side-encryption*` headers that ask for it.

use crate::ModelError;
use crate::request::RequestSpec;

/// Server-side encryption of the stored object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerSideEncryption {
    /// `x-cos-server-side-encryption: AES256` (COS-managed keys).
    Aes256,
    /// `x-cos-server-side-encryption: cos/kms`, optionally with a key id and a context.
    Kms {
        /// `x-cos-server-side-encryption-cos-kms-key-id`.
        key_id: Option<String>,
        /// `x-cos-server-side-encryption-context` (Base64 of a JSON object).
        context: Option<String>,
    },
}

impl ServerSideEncryption {
    /// Adds the `x-cos-server-side-encryption*` headers to a request.
    pub(super) fn apply(&self, spec: &mut RequestSpec<'_>) -> Result<(), ModelError> {
        match self {
            ServerSideEncryption::Aes256 => {
                spec.header("x-cos-server-side-encryption", "AES256")?;
            }
            ServerSideEncryption::Kms { key_id, context } => {
                spec.header("x-cos-server-side-encryption", "cos/kms")?;
                spec.header_opt(
                    "x-cos-server-side-encryption-cos-kms-key-id",
                    key_id.as_deref(),
                )?;
                spec.header_opt("x-cos-server-side-encryption-context", context.as_deref())?;
            }
        }
        Ok(())
    }
}

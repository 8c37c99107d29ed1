//! [`verify_header`] and [`verify_presigned`]: checking a request's signature.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{
    AuthorizationFields, SecretLookup, Verified, VerifyError, check_window, signatures_equal,
};
use crate::encode::uri_encode_lower_into;
use crate::hash;
use crate::{SignableRequest, Signer};

/// Verifies the `Authorization` header value `authorization` of `request` at `now`.
///
/// `request` is the request as received: decoded path and query, every header.
pub fn verify_header(
    authorization: &str,
    request: &SignableRequest<'_>,
    lookup: &impl SecretLookup,
    now: u64,
) -> Result<Verified, VerifyError> {
    let fields = AuthorizationFields::parse(authorization)?;
    verify_fields(&fields, request, lookup, now)
}

/// Verifies a pre-signed request at `now`: `request.query` (decoded) carries the `q-*` pairs
/// or the merged `sign=<Authorization>` pair, besides the signed parameters.
pub fn verify_presigned(
    request: &SignableRequest<'_>,
    lookup: &impl SecretLookup,
    now: u64,
) -> Result<Verified, VerifyError> {
    let fields = match request.query_param("sign") {
        Some(merged) if request.query_param("q-signature").is_none() => {
            AuthorizationFields::parse(merged)?
        }
        _ => AuthorizationFields::from_pairs(request.query.iter().copied())?,
    };
    verify_fields(&fields, request, lookup, now)
}

/// `lower(UrlEncode(name))`, as the lists carry names.
fn canonical_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    uri_encode_lower_into(&mut out, name);
    out
}

/// Checks parsed fields against the request.
pub(super) fn verify_fields(
    fields: &AuthorizationFields,
    request: &SignableRequest<'_>,
    lookup: &impl SecretLookup,
    now: u64,
) -> Result<Verified, VerifyError> {
    let credentials = lookup
        .credentials(&fields.access_key_id)
        .ok_or_else(|| VerifyError::UnknownAccessKey(fields.access_key_id.clone()))?;
    check_window(fields.key_time, now)?;
    if fields.sign_time != fields.key_time {
        check_window(fields.sign_time, now)?;
    }

    let header_names: Vec<String> = request
        .headers
        .iter()
        .map(|(n, _)| canonical_name(n))
        .collect();
    if let Some(missing) = fields
        .header_list
        .iter()
        .find(|h| !header_names.contains(h))
    {
        return Err(VerifyError::MissingSignedHeader(missing.clone()));
    }
    let param_names: Vec<String> = request
        .query
        .iter()
        .map(|(n, _)| canonical_name(n))
        .collect();
    if let Some(missing) = fields
        .url_param_list
        .iter()
        .find(|p| !param_names.contains(p))
    {
        return Err(VerifyError::MissingSignedParameter(missing.clone()));
    }

    let signer = Signer::new(&credentials, fields.key_time)
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let signature = signer
        .sign_filtered(
            request,
            |param| fields.url_param_list.contains(&canonical_name(param)),
            |header| fields.header_list.contains(&canonical_name(header)),
        )
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let (string_to_sign, computed) = if fields.sign_time == fields.key_time {
        (
            signature.string_to_sign().to_string(),
            signature.signature().to_string(),
        )
    } else {
        // StringToSign carries q-sign-time; the SignKey comes from q-key-time.
        let sha = hash::sha1_hex(signature.http_string().as_bytes());
        let string_to_sign =
            alloc::format!("sha1\n{}\n{}\n", fields.sign_time, hash::hex_str(&sha));
        let computed = signer.signature_of(string_to_sign.as_bytes());
        (string_to_sign, computed)
    };
    if !signatures_equal(&computed, &fields.signature) {
        return Err(VerifyError::SignatureMismatch {
            http_string: signature.http_string().to_string(),
            string_to_sign,
        });
    }
    Ok(Verified {
        access_key_id: fields.access_key_id.clone(),
        key_time: fields.key_time,
        sign_time: fields.sign_time,
        signed_headers: fields.header_list.clone(),
        signed_params: fields.url_param_list.clone(),
        http_string: signature.http_string().to_string(),
        string_to_sign,
    })
}

//! Streaming GetObject: the object's metadata from the response head and its body as a
//! stream, never collected in memory.

use cos_model::ops::{GetObject, ObjectMetadata};
use http::StatusCode;

use super::error::{Error, ErrorKind};
use super::{Client, RequestOptions};
use crate::response_body::ResponseBody;

/// A download in progress (from [`Client::get_object_stream`]).
#[derive(Debug)]
pub struct ObjectStream {
    /// The object's metadata (`content_length` is the length of this body).
    pub metadata: ObjectMetadata,
    /// Whether this is a range (206).
    pub partial: bool,
    /// `Content-Range` of a range response.
    pub content_range: Option<String>,
    /// The body, streaming; a stall longer than the transport's idle timeout fails it.
    pub body: ResponseBody,
    /// How many times the request was sent.
    pub attempts: u32,
}

impl Client {
    /// Runs `op` and returns the body unread. Failures before the response head are retried as
    /// for [`execute`](Self::execute); a failure while reading the body is the caller's to
    /// handle (e.g. resume with a range from the bytes already read).
    pub async fn get_object_stream(&self, op: &GetObject) -> Result<ObjectStream, Error> {
        let response = self
            .execute_streaming(op, &RequestOptions::default())
            .await?;
        let metadata = ObjectMetadata::from_head(&response.head)
            .map_err(|e| Error::new(ErrorKind::Response(e), "GetObject", response.attempts))?;
        Ok(ObjectStream {
            metadata,
            partial: response.head.status == StatusCode::PARTIAL_CONTENT,
            content_range: response.head.header("content-range").map(str::to_owned),
            body: response.body,
            attempts: response.attempts,
        })
    }
}

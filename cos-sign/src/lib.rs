//! The pure, sans-IO COS signer: the `q-sign-algorithm=sha1` Authorization, pre-signed URLs, POST policies and `verify`.

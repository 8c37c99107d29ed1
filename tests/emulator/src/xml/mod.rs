//! XML in and out: a small writer for COS's response documents (written by hand, independent
//! of any client's types) and readers for the request bodies COS takes.

pub mod read;
pub mod write;

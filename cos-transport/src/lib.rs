//! The swappable `Transport`, its hyper + rustls implementation, and the `Client` that signs, sends and retries.

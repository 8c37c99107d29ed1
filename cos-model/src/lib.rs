//! Typed, sans-IO COS XML API v5: endpoints, validated names, one module per operation, errors, CRC64.

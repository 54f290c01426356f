//! Compares the shape (keys and JSON value types) of two JSON documents, for golden tests.

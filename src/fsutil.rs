//! Atomic writes (being written).

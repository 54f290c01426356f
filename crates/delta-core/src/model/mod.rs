//! Typed wire models for every REST resource of Delta (REFERENCE sections 6-8).

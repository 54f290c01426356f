//! delta-sim

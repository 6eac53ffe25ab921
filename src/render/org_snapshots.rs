//! Snapshots of the organisation report through each renderer, over reports built in code.

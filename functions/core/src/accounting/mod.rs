//! Every line accounted for: the ledger of a span and an object, the checkpoint bookkeeping that resumes a span, the verdict over an execution, and the metrics of an object.

pub mod checkpoint;
pub mod ledger;
pub mod metrics;
pub mod readback;
pub mod verify;

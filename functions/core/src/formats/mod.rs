//! What ELB and S3 write, read: the kinds of log and their fields, keys and file names, a line's fields and its JSON form, ELB's times, S3's event notifications, sizes such as `4MiB`.

pub mod fields;
pub mod key;
pub mod kind;
pub mod record;
pub mod s3_event;
pub mod size;
pub mod timestamp;

//! Parallel approval workflow (并联审批) of a government service centre, as pure functions.
//!
//! A window clerk accepts one application (一口受理) for a bundle (套餐) of approval items
//! (事项). The case (办件) fans out into one branch (分件) per item; items may be staged
//! (前置审批). Each branch runs [`transition`]; after every branch decision the caller runs
//! [`join`] in the same database transaction; case-level commands go through
//! [`case_transition`]. Nothing here does I/O: callers store states, events and clock effects.
//!
//! States are stored as strings (`Display` / `FromStr`, parameters encoded, e.g.
//! `suspended:approving:hearing`, `in_progress:2`); refusals carry a stable [`Refusal::code`].

mod actor;
mod applicant;
mod branch;
mod case;
mod event;
mod join;
mod parse;
mod refusal;
mod transition;

pub use actor::{Actor, Role, SYSTEM_USER_ID};
pub use applicant::{check_citizen_id, check_credit_code, IdentifierError};
pub use branch::{Branch, BranchCommand, BranchState, Phase, SpecialProcedure};
pub use case::{case_transition, Case, CaseCommand, CaseState, CaseTransition};
pub use event::{DepartmentRejection, Event};
pub use join::{cancel_branches, join, JoinOutcome, JoinPolicy, NO_REASON_RECORDED};
pub use parse::ParseError;
pub use refusal::Refusal;
pub use transition::{
    authorize, available_commands, transition, ClockEffect, PauseReason, Transition,
    MAX_EXTENSION_DAYS, MAX_JOINT_EXTENSION_DAYS,
};

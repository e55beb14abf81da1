//! sea-orm entities of the assessment database.

pub mod a_audit_log;
pub mod a_branch;
pub mod a_card;
pub mod a_case;
pub mod a_claim;
pub mod a_complaint;
pub mod a_department;
pub mod a_power;
pub mod adjustment;
pub mod callback_answer;
pub mod callback_sample;
pub mod department_score;
pub mod feed_cursor;
pub mod haocha_rating;
pub mod indicator_system;
pub mod manual_score;
pub mod onsite_rating;
pub mod peer_review;
pub mod power_volume;
pub mod quarter_result;
pub mod rectification;
pub mod second_round;
pub mod self_assessment;
pub mod staff_action;
pub mod staff_review;
pub mod weighting_scheme;

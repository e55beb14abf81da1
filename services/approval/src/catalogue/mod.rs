//! The catalogue (事项目录): departments, approval items with their 17 elements (一表一图),
//! parallel bundles (并联套餐), users, and the power list (权责清单, `powers`). `model` holds the
//! request/response shapes, `rules` the pure validation rules (tested without a database),
//! `store` the queries.

pub mod model;
pub mod powers;
pub mod rules;
pub mod store;

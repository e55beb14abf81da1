//! The catalogue (事项目录): departments, approval items with their 17 elements (一表一图),
//! parallel bundles (并联套餐), users, the power list (权责清单, `powers`) and the staff
//! register (窗口工作人员, `staff`). `model` holds the request/response shapes, `rules` the
//! pure validation rules (tested without a database), `store` the queries, `versions` what the
//! two versioned registers share.

pub mod model;
pub mod office;
pub mod powers;
pub mod rules;
pub mod staff;
pub mod store;
pub mod versions;

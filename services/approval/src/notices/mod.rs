//! Notices of the approval service: the shared outbox (`outbox` crate: rows first, mail
//! second, retried delivery) plus where a department's notices go.

pub use outbox::{delivery, enqueue, mailer, NewNotice};

use platform::ApiError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::department;

/// The window and head addresses of a department (where warnings and cards go).
pub async fn department_addresses<C: ConnectionTrait>(
    c: &C,
    department_id: i32,
) -> Result<Vec<String>, ApiError> {
    let d = department::Entity::find()
        .filter(department::Column::Id.eq(department_id))
        .one(c)
        .await?;
    Ok(d.map(|d| {
        [d.window_email, d.head_email]
            .into_iter()
            .flatten()
            .collect()
    })
    .unwrap_or_default())
}

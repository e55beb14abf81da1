//! Indicator systems as data (指标体系). The default is Fenghua's nine categories summing to
//! 100; an admin adds another system for a later year. Systems are never edited in place, so a
//! published quarter always finds the system it was scored with by its key.

use chrono::{DateTime, Utc};
use platform::auth::AuthUser;
use platform::ApiError;
use scoring::IndicatorSystem;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::indicator_system;

pub const DEFAULT_KEY: &str = "fenghua-default";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SystemView {
    pub key: String,
    /// Used for quarters of this year and later (until a newer system starts).
    pub year_from: i32,
    /// The categories, maxima, sources, caps and tiers (scoring::IndicatorSystem).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemInput {
    pub key: String,
    pub year_from: i32,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

fn view(m: indicator_system::Model) -> SystemView {
    SystemView {
        key: m.key,
        year_from: m.year_from,
        definition: serde_json::from_str(&m.definition).unwrap_or_default(),
        created_at: m.created_at,
        created_by: m.created_by,
    }
}

pub async fn seed_default<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let exists = indicator_system::Entity::find()
        .filter(indicator_system::Column::Key.eq(DEFAULT_KEY))
        .count(c)
        .await?
        > 0;
    if !exists {
        let def = IndicatorSystem::fenghua_default();
        indicator_system::ActiveModel {
            key: Set(DEFAULT_KEY.into()),
            year_from: Set(2000),
            definition: Set(serde_json::to_string(&def).unwrap_or_default()),
            created_at: Set(now),
            created_by: Set("system".into()),
            ..Default::default()
        }
        .insert(c)
        .await?;
    }
    Ok(())
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<SystemView>, ApiError> {
    Ok(indicator_system::Entity::find()
        .order_by_asc(indicator_system::Column::YearFrom)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// The system in force for `year`: the newest whose `year_from` is not later.
pub async fn for_year<C: ConnectionTrait>(
    c: &C,
    year: i32,
) -> Result<(String, IndicatorSystem), ApiError> {
    let m = indicator_system::Entity::find()
        .filter(indicator_system::Column::YearFrom.lte(year))
        .order_by_desc(indicator_system::Column::YearFrom)
        .one(c)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "no_indicator_system",
                format!("no indicator system covers {year}"),
            )
        })?;
    let sys = serde_json::from_str(&m.definition)
        .map_err(|e| ApiError::Internal(format!("stored system {}: {e}", m.key)))?;
    Ok((m.key, sys))
}

pub async fn by_key<C: ConnectionTrait>(c: &C, key: &str) -> Result<IndicatorSystem, ApiError> {
    let m = indicator_system::Entity::find()
        .filter(indicator_system::Column::Key.eq(key))
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("indicator system", key))?;
    serde_json::from_str(&m.definition)
        .map_err(|e| ApiError::Internal(format!("stored system {key}: {e}")))
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: SystemInput,
) -> Result<SystemView, ApiError> {
    if input.key.trim().is_empty() || input.key.len() > 64 {
        return Err(ApiError::validation("key", "must be 1–64 characters"));
    }
    if !(2000..=2100).contains(&input.year_from) {
        return Err(ApiError::validation("year_from", "must be 2000–2100"));
    }
    let sys: IndicatorSystem = platform::json::parse_json(input.definition.to_string().as_bytes())
        .map_err(|e| match e {
            ApiError::Validation { code, errors } => ApiError::Validation {
                code,
                errors: errors
                    .into_iter()
                    .map(|mut f| {
                        f.field = format!("definition.{}", f.field);
                        f
                    })
                    .collect(),
            },
            other => other,
        })?;
    sys.validate()
        .map_err(|e| ApiError::validation("definition", e.to_string()))?;
    if indicator_system::Entity::find()
        .filter(indicator_system::Column::Key.eq(input.key.as_str()))
        .count(db)
        .await?
        > 0
    {
        return Err(ApiError::conflict_on(
            "duplicate_key",
            "key",
            format!(
                "system `{}` exists; systems are never edited, add a new key",
                input.key
            ),
        ));
    }
    let m = indicator_system::ActiveModel {
        key: Set(input.key),
        year_from: Set(input.year_from),
        definition: Set(serde_json::to_string(&sys).unwrap_or_default()),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(view(m))
}

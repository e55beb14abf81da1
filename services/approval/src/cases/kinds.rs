//! Every kind of event the approval service appends to the feed, in one list: the OpenAPI
//! schema of a feed event (one schema per kind, a `oneOf` told apart by `kind`) and the
//! validation of a webhook subscription's `event_kinds` are both made from [`EVENT_KINDS`].
//! `events::append` refuses (in debug builds, i.e. in every test) to append a kind that is
//! not listed, and a unit test below scans the sources for kinds appended by name.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, Discriminator, KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr, Schema};

use super::model::EventView;

/// `(kind, what it means)`, the same string as the event's `kind` and its payload's `type`.
pub const EVENT_KINDS: &[(&str, &str)] = &[
    // Cases and branches (办件 / 分件).
    (
        "case_accepted",
        "A case was accepted at the window (一口受理).",
    ),
    (
        "branch_opened",
        "A branch (分件) was opened for one item of a case; its clock starts.",
    ),
    ("payment_recorded", "A fee payment was recorded for a case."),
    (
        "review_started",
        "A branch went from received to reviewing.",
    ),
    (
        "reviewed",
        "A branch's review (一审) is done: reviewing → approving.",
    ),
    ("branch_approved", "A branch was approved (一核)."),
    ("branch_rejected", "A branch was rejected, with the reason."),
    (
        "supplement_requested",
        "The department asked the applicant for supplement (补正, 第三十二条); the clock stops.",
    ),
    (
        "supplement_received",
        "The supplement arrived; the clock runs again.",
    ),
    (
        "supplement_allowed",
        "An admin allowed one more supplement request on a branch.",
    ),
    (
        "suspended",
        "A special procedure (特别程序, 第四十五条) began on a branch.",
    ),
    (
        "resumed",
        "A special procedure ended; the clock runs again.",
    ),
    (
        "extended",
        "A branch's time limit was extended (延期, 第四十二条).",
    ),
    (
        "branch_cancelled",
        "A branch was cancelled (the case was withdrawn or rejected).",
    ),
    ("stage_opened", "The next stage of a staged bundle opened."),
    (
        "case_ready",
        "Every branch is approved: the case is ready for unified issuance (统一发证).",
    ),
    (
        "case_rejected",
        "A case was rejected: at least one branch was rejected.",
    ),
    ("case_withdrawn", "The applicant withdrew the case."),
    (
        "case_issued",
        "The results were issued (统一发证, 第四十四条).",
    ),
    (
        "deadline_replanned",
        "A holiday table changed and a branch's due moment was recomputed.",
    ),
    // E-supervision (电子监察).
    (
        "card_issued",
        "A warning or card (预警 / 黄牌 / 红牌 …) was issued.",
    ),
    ("card_revoked", "A supervisor revoked a card."),
    (
        "claim_pushed",
        "An approved result was pushed to the supervising department to claim (审管互动).",
    ),
    (
        "claim_claimed",
        "The supervising department claimed (认领) the approved result.",
    ),
    ("complaint_filed", "The public filed a complaint (投诉)."),
    (
        "complaint_assigned",
        "A supervisor assigned a complaint to a department.",
    ),
    ("complaint_answered", "The department answered a complaint."),
    ("complaint_closed", "A supervisor closed a complaint."),
    (
        "complaint_found",
        "A supervisor recorded the finding (valid / invalid) of a complaint.",
    ),
    // Catalogue (`case_id` 0).
    (
        "item_changed",
        "An approval item (事项) was created, changed or deleted.",
    ),
    (
        "power_changed",
        "A power (权责清单) was created or changed.",
    ),
    (
        "staff_changed",
        "A staff register entry (窗口工作人员) was created or changed.",
    ),
];

/// Whether the feed emits this kind.
pub fn is_kind(kind: &str) -> bool {
    EVENT_KINDS.iter().any(|(k, _)| *k == kind)
}

/// The component name of one kind's schema, e.g. `FeedEvent_case_accepted`.
pub fn schema_name(kind: &str) -> String {
    format!("FeedEvent_{kind}")
}

fn int(format: KnownFormat) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(format)))
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn constant(v: &str) -> ObjectBuilder {
    string().enum_values(Some([v]))
}

/// The schema of one kind: the feed's envelope with `kind` fixed and a payload whose `type`
/// is the same string.
pub fn kind_schema(kind: &str, description: &str) -> Schema {
    // The payload's own schema (`cases::payloads`); a kind without one has a free-form
    // payload here, and fails the unit test `every_kind_has_exactly_one_payload_type`.
    let payload: RefOr<Schema> = match super::payloads::payload_type(kind) {
        Some(p) => Ref::from_schema_name((p.name)()).into(),
        None => ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("type", constant(kind))
            .required("type")
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .into(),
    };
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .title(Some(kind))
        .description(Some(description))
        .property(
            "seq",
            int(KnownFormat::Int64).description(Some(
                "Position in the feed; strictly increasing in commit order.",
            )),
        )
        .property(
            "case_id",
            int(KnownFormat::Int32).description(Some("The case; 0 for catalogue events.")),
        )
        .property(
            "branch_id",
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32))),
        )
        .property("kind", constant(kind))
        .property("actor_id", int(KnownFormat::Int32))
        .property("actor_role", string())
        .property(
            "at",
            string().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        )
        .property("from_state", string())
        .property("to_state", string())
        .property("payload", payload)
        .required("seq")
        .required("case_id")
        .required("kind")
        .required("actor_id")
        .required("actor_role")
        .required("at")
        .required("from_state")
        .required("to_state")
        .required("payload")
        .into()
}

/// The schema of a list of kinds (`event_kinds` of a webhook subscription): strings from
/// [`EVENT_KINDS`].
pub fn kind_list_schema() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(string().enum_values(Some(EVENT_KINDS.iter().map(|(k, _)| *k))))
        .description(Some(
            "Kinds of feed event (see the `FeedEvent_<kind>` schemas); empty = every kind.",
        ))
        .build()
}

impl utoipa::PartialSchema for EventView {
    fn schema() -> RefOr<Schema> {
        let mut one = OneOfBuilder::new()
            .description(Some(
                "One entry of the event log / feed: one schema per `kind` (see `FeedEvent_<kind>`).",
            ))
            .discriminator(Some(Discriminator::with_mapping(
                "kind",
                EVENT_KINDS.iter().map(|(k, _)| {
                    (
                        k.to_string(),
                        format!("#/components/schemas/{}", schema_name(k)),
                    )
                }),
            )));
        for (k, _) in EVENT_KINDS {
            one = one.item(Ref::from_schema_name(schema_name(k)));
        }
        RefOr::T(Schema::OneOf(one.build()))
    }
}

impl utoipa::ToSchema for EventView {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EventView")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for (k, d) in EVENT_KINDS {
            schemas.push((schema_name(k), RefOr::T(kind_schema(k, d))));
        }
        // Each payload's schema once (the four complaint kinds share one).
        let mut payloads = Vec::new();
        for p in super::payloads::PAYLOAD_TYPES {
            (p.schemas)(&mut payloads);
        }
        for (name, schema) in payloads {
            if !schemas.iter().any(|(n, _)| *n == name) {
                schemas.push((name, schema));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kind names appended literally in the sources: `kind: "x".into()` of a `NewEvent`,
    /// `"type": "x"` of a JSON payload, `=> "x"` in `workflow::Event::kind`, and the kind
    /// argument of the complaint helper.
    fn literal_kinds() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("../../libs/workflow/src/event.rs")];
        let mut dirs = vec![root.join("src")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let quoted = |s: &str| -> Option<String> {
            let s = s.trim_start().strip_prefix('"')?;
            let end = s.find('"')?;
            let k = &s[..end];
            (!k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| k.to_string())
        };
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.display().to_string();
            let is_workflow = name.ends_with("event.rs") && name.contains("workflow");
            let is_complaints = name.ends_with("complaints.rs");
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.contains("NewNotice") || name.ends_with("kinds.rs") {
                    continue;
                }
                for pat in ["kind: ", "\"type\": "] {
                    for (at, _) in line.match_indices(pat) {
                        let rest = &line[at + pat.len()..];
                        if let Some(k) = quoted(rest) {
                            if pat == "kind: " && !rest.contains(".into()") {
                                continue; // a notice kind (`&'static str`), not an event
                            }
                            out.push((k, format!("{name}:{}", i + 1)));
                        }
                    }
                }
                if is_workflow && line.contains("Event::") && line.contains("=> \"") {
                    if let Some((_, r)) = line.split_once("=> ") {
                        if let Some(k) = quoted(r) {
                            out.push((k, format!("{name}:{}", i + 1)));
                        }
                    }
                }
                if is_complaints && line.contains("event(&") {
                    if let Some(before) = line
                        .split(", now)")
                        .next()
                        .filter(|_| line.contains(", now)"))
                    {
                        if let Some((_, lit)) = before.rsplit_once(", ") {
                            if let Some(k) = quoted(lit) {
                                out.push((k, format!("{name}:{}", i + 1)));
                            }
                        }
                    }
                }
                if is_complaints && line.trim() == "now," && i > 0 {
                    if let Some(k) = quoted(lines[i - 1].trim_end_matches(',')) {
                        out.push((k, format!("{name}:{i}")));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_kind_appended_in_the_sources_is_listed() {
        let found = literal_kinds();
        assert!(found.len() > 30, "the scan found too little: {found:?}");
        let missing: Vec<_> = found.iter().filter(|(k, _)| !is_kind(k)).collect();
        assert!(
            missing.is_empty(),
            "kinds appended but not in EVENT_KINDS: {missing:?}"
        );
        // And every listed kind is really appended somewhere.
        for (k, _) in EVENT_KINDS {
            assert!(
                found.iter().any(|(f, _)| f == k),
                "{k} is listed but never appended"
            );
        }
    }

    #[test]
    fn kinds_are_unique() {
        let mut ks: Vec<_> = EVENT_KINDS.iter().map(|(k, _)| *k).collect();
        ks.sort_unstable();
        ks.dedup();
        assert_eq!(ks.len(), EVENT_KINDS.len());
    }
}

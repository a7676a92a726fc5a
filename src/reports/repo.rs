//! Report queries: one open case per target (the partial unique index `report_cases_one_open`
//! makes concurrent reports one case), the queue by priority or age, claims and resolutions.

use super::evidence::Snapshot;
use super::model::{Action, CaseStatus, QueueCursor, QueueSort, Reason, ReportEntry, Target, TargetType};
use crate::db::schema::{report_cases, reports, user_warnings, users};
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use veza_core::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_cases)]
pub struct CaseRow {
    pub id: Uuid,
    pub target_type: String,
    pub target_id: String,
    pub target_owner: Option<Uuid>,
    pub evidence: serde_json::Value,
    pub status: String,
    pub report_count: i32,
    pub flagged_by: Option<String>,
    pub first_reported_at: DateTime<Utc>,
    pub last_reported_at: DateTime<Utc>,
    pub claimed_by: Option<Uuid>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl CaseRow {
    pub fn target(&self) -> Option<Target> {
        Target::parse(TargetType::parse(&self.target_type)?, &self.target_id)
    }

    /// Held by someone other than `by` whose claim has not expired.
    pub fn held_by_other(&self, by: UserId, now: DateTime<Utc>) -> bool {
        self.claimed_by.is_some_and(|c| c != by.uuid()) && self.claimed_until.is_some_and(|t| t > now)
    }
}

#[derive(QueryableByName)]
struct Upserted {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Bool)]
    created: bool,
}

/// The open case of `target`, created with `snap` when there is none; (id, created).
pub async fn open_case(conn: &mut AsyncPgConnection, target: Target, snap: &Snapshot) -> QueryResult<(Uuid, bool)> {
    // The no-op update takes the row's lock and returns it; `xmax = 0` only on a fresh insert.
    let row: Upserted = diesel::sql_query(
        "INSERT INTO report_cases (id, target_type, target_id, target_owner, evidence) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (target_type, target_id) WHERE status = 'open' \
         DO UPDATE SET last_reported_at = report_cases.last_reported_at \
         RETURNING id, (xmax = 0) AS created",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(target.kind().as_str())
    .bind::<Text, _>(target.id_text())
    .bind::<Nullable<SqlUuid>, _>(snap.owner.map(UserId::uuid))
    .bind::<Jsonb, _>(&snap.evidence)
    .get_result(conn)
    .await?;
    Ok((row.id, row.created))
}

/// Adds `reporter`'s report to the case; false when they had reported it already.
pub async fn add_report(
    conn: &mut AsyncPgConnection,
    case: Uuid,
    reporter: UserId,
    reason: Reason,
    note: Option<&str>,
) -> QueryResult<bool> {
    let n = diesel::insert_into(reports::table)
        .values((
            reports::case_id.eq(case),
            reports::reporter_id.eq(reporter.uuid()),
            reports::reason.eq(reason.as_str()),
            reports::note.eq(note),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if n == 1 {
        diesel::update(report_cases::table.find(case))
            .set((
                report_cases::report_count.eq(report_cases::report_count + 1),
                report_cases::last_reported_at.eq(Utc::now()),
            ))
            .execute(conn)
            .await?;
    }
    Ok(n == 1)
}

/// An automatic moderation rule flagged the case's target: it counts as one report (once).
pub async fn flag(conn: &mut AsyncPgConnection, case: Uuid, rule: &str) -> QueryResult<()> {
    diesel::update(report_cases::table.find(case).filter(report_cases::flagged_by.is_null()))
        .set((
            report_cases::flagged_by.eq(rule),
            report_cases::report_count.eq(report_cases::report_count + 1),
            report_cases::last_reported_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A page of the queue.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    status: CaseStatus,
    kind: Option<TargetType>,
    sort: QueueSort,
    after: Option<QueueCursor>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    use report_cases::dsl as c;
    let mut q = c::report_cases.select(CaseRow::as_select()).filter(c::status.eq(status.as_str())).into_boxed();
    if let Some(k) = kind {
        q = q.filter(c::target_type.eq(k.as_str()));
    }
    match sort {
        QueueSort::Priority => {
            if let Some(a) = after {
                q = q.filter(
                    c::report_count.lt(a.report_count).or(c::report_count.eq(a.report_count).and(
                        c::first_reported_at
                            .gt(a.first_reported_at)
                            .or(c::first_reported_at.eq(a.first_reported_at).and(c::id.gt(a.id))),
                    )),
                );
            }
            q = q.order((c::report_count.desc(), c::first_reported_at.asc(), c::id.asc()));
        }
        QueueSort::Age => {
            if let Some(a) = after {
                q = q.filter(
                    c::first_reported_at
                        .gt(a.first_reported_at)
                        .or(c::first_reported_at.eq(a.first_reported_at).and(c::id.gt(a.id))),
                );
            }
            q = q.order((c::first_reported_at.asc(), c::id.asc()));
        }
    }
    q.limit(limit).load(conn).await
}

/// (case, reporter id, reporter name, reason, note, when).
type ReportLine = (Uuid, Uuid, String, String, Option<String>, DateTime<Utc>);

/// The reports of `cases`, oldest first, at most `per_case` each: (case, entry).
pub async fn reports_of(
    conn: &mut AsyncPgConnection,
    cases: &[Uuid],
    per_case: usize,
) -> QueryResult<Vec<(Uuid, ReportEntry)>> {
    let rows: Vec<ReportLine> = reports::table
        .inner_join(users::table.on(users::id.eq(reports::reporter_id)))
        .filter(reports::case_id.eq_any(cases))
        .order((reports::case_id, reports::created_at))
        .select((reports::case_id, users::id, users::username, reports::reason, reports::note, reports::created_at))
        .load(conn)
        .await?;
    let mut out: Vec<(Uuid, ReportEntry)> = Vec::with_capacity(rows.len());
    let mut taken = std::collections::HashMap::<Uuid, usize>::new();
    for (case, id, username, reason, note, created_at) in rows {
        let n = taken.entry(case).or_default();
        *n += 1;
        let reason = Reason::parse(&reason).unwrap_or(Reason::Other);
        if *n <= per_case {
            out.push((case, ReportEntry { reporter: UserRef { id, username }, reason, note, created_at }));
        }
    }
    Ok(out)
}

/// Who reported the case.
pub async fn reporters(conn: &mut AsyncPgConnection, case: Uuid) -> QueryResult<Vec<UserId>> {
    reports::table
        .filter(reports::case_id.eq(case))
        .select(reports::reporter_id)
        .load::<Uuid>(conn)
        .await
        .map(|ids| ids.into_iter().map(UserId).collect())
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<CaseRow>> {
    report_cases::table.find(id).select(CaseRow::as_select()).first(conn).await.optional()
}

pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<CaseRow>> {
    report_cases::table.find(id).select(CaseRow::as_select()).for_update().first(conn).await.optional()
}

/// Claims an open case for `by` until `until`, unless another moderator's claim still holds;
/// false when it did not.
pub async fn claim(conn: &mut AsyncPgConnection, id: Uuid, by: UserId, until: DateTime<Utc>) -> QueryResult<bool> {
    use report_cases::dsl as c;
    let free = c::claimed_by.is_null().or(c::claimed_by.eq(by.uuid())).or(c::claimed_until.le(Utc::now()));
    let n = diesel::update(c::report_cases.find(id).filter(c::status.eq("open")).filter(free))
        .set((c::claimed_by.eq(by.uuid()), c::claimed_until.eq(until)))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Closes the case with `action`.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: UserId,
    action: Action,
    note: Option<&str>,
) -> QueryResult<()> {
    use report_cases::dsl as c;
    diesel::update(c::report_cases.find(id))
        .set((
            c::status.eq(CaseStatus::Resolved.as_str()),
            c::resolution.eq(action.as_str()),
            c::resolution_note.eq(note),
            c::resolved_by.eq(by.uuid()),
            c::resolved_at.eq(Utc::now()),
            c::claimed_by.eq(None::<Uuid>),
            c::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A warning kept on the user.
pub async fn warn(
    conn: &mut AsyncPgConnection,
    user: UserId,
    case: Uuid,
    by: UserId,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(user_warnings::table)
        .values((
            user_warnings::id.eq(Uuid::now_v7()),
            user_warnings::user_id.eq(user.uuid()),
            user_warnings::case_id.eq(case),
            user_warnings::warned_by.eq(by.uuid()),
            user_warnings::note.eq(note),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(QueryableByName)]
struct Staff {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Active moderators and admins (the partial index `users_staff`): who hears of cases.
pub async fn staff(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UserId>> {
    let rows: Vec<Staff> =
        diesel::sql_query("SELECT id FROM users WHERE roles && '{moderator,admin}'::text[] AND status = 'active'")
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|s| UserId(s.id)).collect())
}

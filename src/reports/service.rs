//! `ReportService`: users file reports; moderators read the queue, claim a case and resolve it,
//! and the resolution really happens (`actions.rs`), in the same transaction as the case's.

use super::actions;
use super::evidence;
use super::model::*;
use super::repo::{self, CaseRow};
use crate::admin::users::model::Acting;
use crate::audit::{self, AuditEntry};
use crate::chat::runtime::Realtime;
use crate::db::{PooledConn, checkout};
use crate::ratelimit::{Decision, Quota};
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::users::model::UserRef;
use crate::web::client::ClientInfo;
use actix::prelude::*;
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;
use uuid::Uuid;
use veza_core::{Code, UserId};

pub type ReportService = Service<ReportCore>;

pub struct ReportCore {
    state: AppState,
}

impl Core for ReportCore {
    fn new(state: AppState) -> Self {
        ReportCore { state }
    }
}

/// A user reports something.
#[derive(Debug, Message)]
#[rtype(result = "Result<ReportFiled, ReportError>")]
pub struct FileReport {
    pub reporter: UserId,
    pub report: CheckedReport,
}

/// A page of the queue.
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<CaseView>, ReportError>")]
pub struct Queue {
    pub status: CaseStatus,
    pub kind: Option<TargetType>,
    pub sort: QueueSort,
    pub after: Option<QueueCursor>,
    pub limit: i64,
}

/// A moderator takes a case.
#[derive(Debug, Message)]
#[rtype(result = "Result<CaseView, ReportError>")]
pub struct Claim {
    pub by: UserId,
    pub case: Uuid,
    pub client: ClientInfo,
}

/// A moderator closes a case with an action.
#[derive(Debug, Message)]
#[rtype(result = "Result<CaseView, ReportError>")]
pub struct ResolveCase {
    pub by: Acting,
    pub case: Uuid,
    pub resolution: CheckedResolve,
    pub client: ClientInfo,
}

crate::delegate_to_core!(ReportCore {
    FileReport => file,
    Queue => queue,
    Claim => claim,
    ResolveCase => resolve,
});

/// Reports shown per case in the queue.
const REPORTS_PER_CASE: usize = 50;

/// Live frames to staff, reporters and the reported user.
pub const OPENED: &str = "report.opened";
pub const RESOLVED: &str = "report.resolved";

impl ReportCore {
    async fn conn(&self) -> Result<PooledConn<'_>, ReportError> {
        Ok(checkout(&self.state.pool).await?)
    }

    fn quota(&self) -> Quota {
        let per_hour = self.state.settings.tuned().reports_per_hour;
        let n = NonZeroU32::new(per_hour.unwrap_or(self.state.config.reports.per_reporter_per_hour))
            .unwrap_or(NonZeroU32::MIN);
        Quota { per_period: n, period: Duration::from_secs(3600), burst: n }
    }

    pub async fn file(&self, m: FileReport) -> Result<ReportFiled, ReportError> {
        let key = format!("report:{}", m.reporter);
        if let Decision::Limited { retry_after } = self.state.limiter.check(&key, self.quota()).await {
            self.state.metrics.rate_limited.with_label_values(&["report"]).inc();
            return Err(ReportFault::RateLimited { retry_after }.into());
        }
        let mut conn = self.conn().await?;
        let r = m.report;
        let snap = evidence::snapshot(&mut conn, r.target, Some(m.reporter)).await?;
        let (case, created, counted) = conn
            .transaction::<_, ReportError, _>(async |conn| {
                let (case, created) = repo::open_case(conn, r.target, &snap).await?;
                let counted = repo::add_report(conn, case, m.reporter, r.reason, r.note.as_deref()).await?;
                Ok((case, created, counted))
            })
            .await?;
        if created {
            let data = json!({ "id": case, "target_type": r.target.kind(), "target_id": r.target.id_text(),
                "reason": r.reason });
            self.tell_staff(&mut conn, OPENED, data).await;
        }
        Ok(ReportFiled {
            target_type: r.target.kind(),
            target_id: r.target.id_text(),
            reason: r.reason,
            counted,
            created_at: Utc::now(),
        })
    }

    pub async fn queue(&self, m: Queue) -> Result<Vec<CaseView>, ReportError> {
        let mut conn = self.conn().await?;
        let rows = repo::queue(&mut conn, m.status, m.kind, m.sort, m.after, m.limit).await?;
        views(&mut conn, rows).await
    }

    pub async fn claim(&self, m: Claim) -> Result<CaseView, ReportError> {
        let mut conn = self.conn().await?;
        let until = Utc::now() + chrono::Duration::seconds(self.state.config.reports.claim_ttl_secs as i64);
        let row = conn
            .transaction::<_, ReportError, _>(async |conn| {
                if !repo::claim(conn, m.case, m.by, until).await? {
                    let row = repo::get(conn, m.case).await?.ok_or(ReportError::NotFound)?;
                    return Err(refusal(&row));
                }
                let entry = AuditEntry::new("report.claimed").actor(m.by).target("report", m.case).from(&m.client);
                audit::record(conn, entry).await?;
                repo::get(conn, m.case).await?.ok_or(ReportError::NotFound)
            })
            .await?;
        one_view(&mut conn, row).await
    }

    pub async fn resolve(&self, m: ResolveCase) -> Result<CaseView, ReportError> {
        let mut conn = self.conn().await?;
        let (by, res, client) = (m.by, m.resolution, m.client);
        let (row, effect, reporters) = conn
            .transaction::<_, ReportError, _>(async |conn| {
                let row = repo::lock(conn, m.case).await?.ok_or(ReportError::NotFound)?;
                if row.status != CaseStatus::Open.as_str() || row.held_by_other(by.id, Utc::now()) {
                    return Err(refusal(&row));
                }
                let effect = actions::carry_out(conn, &row, by, &res, &client).await?;
                repo::resolve(conn, row.id, by.id, res.action, res.note.as_deref()).await?;
                let data = json!({ "action": res.action, "note": res.note, "target_type": row.target_type,
                    "target_id": row.target_id, "owner": row.target_owner });
                let entry = AuditEntry::new("report.resolved").actor(by.id).target("report", row.id).from(&client);
                audit::record(conn, entry.data(data)).await?;
                let reporters = repo::reporters(conn, row.id).await?;
                Ok((row, effect, reporters))
            })
            .await?;
        actions::announce(&self.state, &mut conn, &effect).await;
        self.tell_outcome(&mut conn, &row, res.action, res.note.as_deref(), &reporters).await;
        let row = repo::get(&mut conn, row.id).await?.ok_or(ReportError::NotFound)?;
        one_view(&mut conn, row).await
    }

    /// Every reporter, the reported user (unless dismissed: they need not learn they were
    /// reported) and the staff hear the outcome; no one hears who reported.
    async fn tell_outcome(
        &self,
        conn: &mut AsyncPgConnection,
        row: &CaseRow,
        action: Action,
        note: Option<&str>,
        reporters: &[UserId],
    ) {
        let realtime = &self.state.realtime;
        let outcome = json!({ "target_type": row.target_type, "target_id": row.target_id, "action": action });
        for r in reporters {
            realtime.push_user(*r, RESOLVED, outcome.clone());
        }
        if let Some(owner) = row.target_owner.filter(|_| action != Action::Dismiss) {
            let mut told = outcome.clone();
            told["note"] = json!(note);
            realtime.push_user(UserId(owner), RESOLVED, told);
        }
        let mut staff = outcome;
        staff["id"] = json!(row.id);
        self.tell_staff(conn, RESOLVED, staff).await;
    }

    async fn tell_staff(&self, conn: &mut AsyncPgConnection, kind: &str, data: serde_json::Value) {
        tell_staff(conn, &self.state.realtime, kind, data).await;
    }
}

/// A frame for every active moderator and admin, wherever they are connected.
pub async fn tell_staff(conn: &mut AsyncPgConnection, realtime: &Realtime, kind: &str, data: serde_json::Value) {
    match repo::staff(conn).await {
        Ok(staff) => staff.into_iter().for_each(|s| realtime.push_user(s, kind, data.clone())),
        Err(e) => tracing::warn!(error = %e, kind, "staff not told"),
    }
}

/// Why a case cannot be claimed or resolved now.
fn refusal(row: &CaseRow) -> ReportError {
    if row.status != CaseStatus::Open.as_str() {
        ReportError::conflict(Code::CaseResolved, "this case is resolved")
    } else {
        ReportError::conflict(Code::CaseClaimed, "another moderator holds this case; their claim has not expired")
    }
}

async fn one_view(conn: &mut AsyncPgConnection, row: CaseRow) -> Result<CaseView, ReportError> {
    views(conn, vec![row]).await?.pop().ok_or(ReportError::NotFound)
}

/// Cases as moderators see them: reports and names loaded for the whole page at once.
async fn views(conn: &mut AsyncPgConnection, rows: Vec<CaseRow>) -> Result<Vec<CaseView>, ReportError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut reports: HashMap<Uuid, Vec<ReportEntry>> = HashMap::new();
    for (case, entry) in repo::reports_of(conn, &ids, REPORTS_PER_CASE).await? {
        reports.entry(case).or_default().push(entry);
    }
    let people: Vec<Uuid> = rows.iter().flat_map(|r| [r.target_owner, r.claimed_by, r.resolved_by]).flatten().collect();
    let names: HashMap<Uuid, String> = crate::users::repo::usernames(conn, &people).await?.into_iter().collect();
    let who = |id: Option<Uuid>| id.and_then(|id| names.get(&id).map(|n| UserRef { id, username: n.clone() }));
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(CaseView {
                id: r.id,
                target_type: TargetType::parse(&r.target_type)?,
                target_id: r.target_id,
                target_owner: who(r.target_owner),
                evidence: r.evidence,
                status: r.status,
                report_count: r.report_count,
                flagged_by: r.flagged_by,
                reports: reports.remove(&r.id).unwrap_or_default(),
                first_reported_at: r.first_reported_at,
                last_reported_at: r.last_reported_at,
                claimed_by: who(r.claimed_by),
                claimed_until: r.claimed_until,
                resolution: r.resolution.as_deref().and_then(Action::parse),
                resolution_note: r.resolution_note,
                resolved_by: who(r.resolved_by),
                resolved_at: r.resolved_at,
            })
        })
        .collect())
}

//! Hand-written SQL with numbered binds, for queries whose filters are optional (list and
//! search endpoints): fragments are appended in any order, each bind writes its own `$n`.

use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Hand-written SQL with numbered binds: each `bind` writes its own `$n` where it stands, so
/// fragments can be appended in any order (diesel's boxed SQL wants the placeholders written).
pub struct Sql {
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
    binds: usize,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql { query: diesel::sql_query(text).into_boxed(), binds: 0 }
    }

    pub fn sql(mut self, text: impl AsRef<str>) -> Sql {
        self.query = self.query.sql(text.as_ref());
        self
    }

    pub fn bind<ST, V>(mut self, value: V) -> Sql
    where
        Pg: diesel::sql_types::HasSqlType<ST>,
        V: diesel::serialize::ToSql<ST, Pg> + Send + 'static,
        ST: Send + 'static,
    {
        self.binds += 1;
        self.query = self.query.sql(format!("${}", self.binds)).bind::<ST, V>(value);
        self
    }

    /// How many values are bound.
    pub fn binds(&self) -> usize {
        self.binds
    }

    /// The statement as PostgreSQL receives it (`$n` placeholders), with its binds listed after.
    pub fn render(&self) -> String {
        diesel::debug_query::<Pg, _>(&self.query).to_string()
    }

    /// The `$n` placeholders of the statement's text, in order of appearance.
    pub fn placeholders(&self) -> Vec<usize> {
        let rendered = self.render();
        // debug_query writes the text, then ` -- binds: [...]`; only the binds hold client text.
        let text = rendered.split(" -- binds: ").next().unwrap_or_default();
        text.split('$').skip(1).filter_map(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()).collect()
    }

    pub async fn load<U>(self, conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<U>>
    where
        U: QueryableByName<Pg> + Send + 'static,
    {
        self.query.load(conn).await
    }
}

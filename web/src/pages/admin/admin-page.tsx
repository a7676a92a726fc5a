// /admin and /admin/<section>: the sections' navigation and the section named by the path.
import { useEffect } from 'preact/hooks';
import { NotFound } from '../../components/status';
import { LinkTabs } from '../../components/tabs';
import { hasRole } from '../../lib/auth';
import { useRoute, useSession, useTitle } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { AuditPage } from './audit-page';
import { AutomodPage } from './automod-page';
import { ConfigPage } from './config-page';
import { ReportsPage } from './reports-page';
import { SECTIONS, sectionOf, type Section } from './sections';
import { StatsPage } from './stats-page';
import { UsersPage } from './users-page';
import './admin.css';

const WHAT: Record<Section['slug'], string> = {
  stats: 'the statistics',
  reports: 'the reports',
  users: 'the accounts',
  automod: 'the automatic moderation rules',
  config: 'the runtime settings',
  audit: 'the audit trail',
};

export function AdminPage() {
  const { path } = useRoute();
  const isAdmin = hasRole(useSession(), 'admin');
  const section = sectionOf(path);
  useTitle(section ? `${section.label} · Admin` : 'Admin');

  useEffect(() => {
    if (section === undefined) navigate(isAdmin ? '/admin/stats' : '/admin/reports', { replace: true });
  }, [section, isAdmin]);

  if (section === undefined) return null;
  if (section === null) return <NotFound />;
  return (
    <div class="admin">
      <LinkTabs
        label="Admin sections"
        tabs={SECTIONS.filter((s) => isAdmin || !s.adminOnly).map((s) => ({ href: `/admin/${s.slug}`, label: s.label, current: s === section }))}
      />
      <div class="admin-section">
        {section.adminOnly && !isAdmin ? (
          <section>
            <h1>{section.label}</h1>
            <AdminsOnly what={WHAT[section.slug]} />
          </section>
        ) : (
          <Content slug={section.slug} isAdmin={isAdmin} />
        )}
      </div>
    </div>
  );
}

/** A section the API keeps to admins, opened by a moderator. */
function AdminsOnly({ what }: { what: string }) {
  return (
    <p class="notice">
      Only admins can see {what}. Moderators work the <a href="/admin/reports">reports</a> and the{' '}
      <a href="/admin/users">users</a>.
    </p>
  );
}

function Content({ slug, isAdmin }: { slug: Section['slug']; isAdmin: boolean }) {
  switch (slug) {
    case 'stats':
      return <StatsPage />;
    case 'reports':
      return <ReportsPage isAdmin={isAdmin} />;
    case 'users':
      return <UsersPage isAdmin={isAdmin} />;
    case 'automod':
      return <AutomodPage />;
    case 'config':
      return <ConfigPage />;
    case 'audit':
      return <AuditPage />;
  }
}

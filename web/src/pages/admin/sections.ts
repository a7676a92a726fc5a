// The admin area's sections, each at /admin/<slug>. The API keeps stats, the runtime config
// (automod included) and the audit trail to admins; moderators work the reports and the users.

export type SectionSlug = 'stats' | 'reports' | 'users' | 'automod' | 'config' | 'audit';

export interface Section {
  slug: SectionSlug;
  label: string;
  adminOnly: boolean;
}

export const SECTIONS: Section[] = [
  { slug: 'stats', label: 'Stats', adminOnly: true },
  { slug: 'reports', label: 'Reports', adminOnly: false },
  { slug: 'users', label: 'Users', adminOnly: false },
  { slug: 'automod', label: 'Automod', adminOnly: true },
  { slug: 'config', label: 'Config', adminOnly: true },
  { slug: 'audit', label: 'Audit', adminOnly: true },
];

export function sectionOf(path: string): Section | null | undefined {
  const slug = path.replace(/^\/admin\/?/, '').split('/')[0];
  if (!slug) return undefined;
  return SECTIONS.find((s) => s.slug === slug) ?? null;
}

import type { ComponentChildren } from 'preact';

export interface Tab {
  href: string;
  label: ComponentChildren;
  current: boolean;
}

/** A page's views as a row of links, the one shown marked as the current page. */
export function LinkTabs({ label, tabs }: { label: string; tabs: Tab[] }) {
  return (
    <nav aria-label={label}>
      <ul class="tabs">
        {tabs.map((t) => (
          <li key={t.href}>
            <a href={t.href} aria-current={t.current ? 'page' : undefined}>
              {t.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

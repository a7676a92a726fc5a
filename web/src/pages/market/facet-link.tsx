import type { ComponentChildren } from 'preact';

/** One filter of the sidebar: its heading, then its values. */
export function Facet({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="facet" aria-labelledby={`facet-${id}`}>
      <h3 id={`facet-${id}`}>{title}</h3>
      {children}
    </section>
  );
}

/** A filter value as a link (the URL holds the filters), with how many listings it has. */
export function FacetLink({ href, current, count, label }: { href: string; current?: boolean; count?: number; label: string }) {
  return (
    <a class="facet-link" href={href} aria-current={current ? 'true' : undefined}>
      <span class="facet-name">{label}</span>
      {count !== undefined && (
        <span class="facet-count">
          <span class="visually-hidden">, </span>
          {count}
          <span class="visually-hidden"> listing{count === 1 ? '' : 's'}</span>
        </span>
      )}
    </a>
  );
}

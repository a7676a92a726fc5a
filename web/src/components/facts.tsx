import type { ComponentChildren } from 'preact';

/** One line of a `<dl class="facts">`: what, then its value. */
export function Fact({ label, children }: { label: ComponentChildren; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** Set the document title: "Page · Veza", or just "Veza". */
export function setTitle(title?: string): void {
  document.title = title ? `${title} · Veza` : 'Veza';
}

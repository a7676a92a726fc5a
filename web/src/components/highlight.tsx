// Search highlights (the header's suggestions, the results page) arrive as HTML-escaped text with
// <mark> around the matches. They are turned into text nodes and <mark> elements here, never
// parsed as HTML: nothing else in them can run.
import type { ComponentChildren } from 'preact';

const MARK = /<mark>([\s\S]*?)<\/mark>/g;
const ENTITY = /&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos|nbsp));/gi;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** `&lt;b&gt; &amp; &#39;` -> `<b> & '` */
export function unescapeHtml(text: string): string {
  return text.replace(ENTITY, (whole, dec?: string, hex?: string, name?: string) => {
    if (name) return NAMED[name.toLowerCase()] ?? whole;
    const code = dec ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

export interface Segment {
  text: string;
  marked: boolean;
}

/** The highlight as plain-text segments, marked or not. */
export function parseHighlight(html: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const m of html.matchAll(MARK)) {
    if (m.index > at) out.push({ text: unescapeHtml(html.slice(at, m.index)), marked: false });
    out.push({ text: unescapeHtml(m[1] ?? ''), marked: true });
    at = m.index + m[0].length;
  }
  if (at < html.length) out.push({ text: unescapeHtml(html.slice(at)), marked: false });
  return out;
}

/** The highlighted snippet when there is one, else the plain `fallback`. */
export function Highlighted({ html, fallback }: { html?: string | null | undefined; fallback?: ComponentChildren }) {
  if (!html) return <>{fallback}</>;
  return <>{parseHighlight(html).map((s, i) => (s.marked ? <mark key={i}>{s.text}</mark> : s.text))}</>;
}

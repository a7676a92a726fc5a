/**
 * A profile picture, only from this site or a data: URL (a third-party image would tell that
 * site who looks at the profile); otherwise the person's initials.
 */
export function Avatar({ url, name, size = 'large' }: { url: string | null | undefined; name: string; size?: 'large' | 'small' }) {
  const src = safeSource(url);
  const cls = `profile-avatar profile-avatar-${size}`;
  if (src) return <img class={cls} src={src} alt="" width={size === 'large' ? 88 : 32} height={size === 'large' ? 88 : 32} />;
  return (
    <span class={cls} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

function safeSource(url: string | null | undefined): string | null {
  if (!url) return null;
  if (/^data:image\//i.test(url)) return url;
  try {
    const u = new URL(url, window.location.href);
    return u.origin === window.location.origin ? u.href : null;
  } catch {
    return null;
  }
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!].map((w) => [...w][0]) : [...(words[0] ?? '?')].slice(0, 1);
  return letters.join('').toUpperCase();
}

// Messages per hour as bars: drawn with SVG attributes (the CSP forbids inline styles).
import type { AdminStats } from '../../lib/types';

const W = 6;
const GAP = 2;
const H = 80;

export function HourlyChart({ hours }: { hours: AdminStats['messages_per_hour'] }) {
  const max = Math.max(1, ...hours.map((h) => h.count));
  const total = hours.reduce((n, h) => n + h.count, 0);
  const peak = hours.reduce((a, b) => (b.count > a.count ? b : a), hours[0]!);
  const width = hours.length * (W + GAP);
  return (
    <figure class="panel hourly">
      <figcaption>Messages per hour, last {hours.length} hours</figcaption>
      <svg
        viewBox={`0 0 ${width} ${H}`}
        width="100%"
        height={H}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${total} messages in ${hours.length} hours; at most ${peak.count} in one hour.`}
      >
        {hours.map((h, i) => {
          const height = Math.max(h.count ? 2 : 0.5, (h.count / max) * H);
          return (
            <rect key={h.hour} x={i * (W + GAP)} y={H - height} width={W} height={height} class="bar">
              <title>{`${new Date(h.hour).toLocaleString()}: ${h.count}`}</title>
            </rect>
          );
        })}
      </svg>
    </figure>
  );
}

import type { UserRef } from '../../lib/types';

/** "alice is typing…", announced politely; the region stays in place so changes are read. */
export function TypingIndicator({ users }: { users: UserRef[] }) {
  return (
    <p class="typing" aria-live="polite">
      {describe(users.map((u) => u.username))}
    </p>
  );
}

function describe(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

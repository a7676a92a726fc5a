/** 1 -> "1 track", 3 -> "3 tracks" */
export function trackCount(n: number): string {
  return n === 1 ? '1 track' : `${n} tracks`;
}

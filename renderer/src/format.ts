export function percent(share: number | null, digits = 1): string {
  return share === null ? '—' : `${(share * 100).toFixed(digits)} %`;
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function when(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace('T', ' ');
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1_000;
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function flagValueText(value: boolean | number | string | null): string {
  if (value === null) return '—';
  if (value === true) return 'on';
  if (value === false) return 'off';
  return String(value);
}

import type { Chart } from './document.js';

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { left: 48, right: 12, top: 24, bottom: 40 };
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceMax(values: number[]): number {
  const max = Math.max(0, ...values);
  if (max === 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / magnitude) * magnitude;
}

/** An inline SVG chart: no script, no external asset, readable without the page's CSS. */
export function chartSvg(chart: Chart): string {
  const values = chart.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const max = niceMax(values);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(1, chart.labels.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<text x="${PAD.left}" y="16" font-size="13" font-family="sans-serif">${escapeXml(chart.title)}${chart.unit ? ` (${escapeXml(chart.unit)})` : ''}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}" stroke="#888"/>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 4}" font-size="10" text-anchor="end" font-family="sans-serif">${max}</text>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + plotH}" font-size="10" text-anchor="end" font-family="sans-serif">0</text>`,
  ];
  if (values.length === 0) parts.push(`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" font-size="13" font-family="sans-serif">no data</text>`);
  chart.series.forEach((series, s) => {
    const color = COLORS[s % COLORS.length]!;
    if (chart.kind === 'bar') {
      const barW = (slot * 0.8) / chart.series.length;
      series.values.forEach((v, i) => {
        if (v === null) return;
        const x = PAD.left + i * slot + slot * 0.1 + s * barW;
        parts.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(PAD.top + plotH - y(v)).toFixed(1)}" fill="${color}"><title>${escapeXml(`${series.name} ${chart.labels[i] ?? ''}: ${v}`)}</title></rect>`);
      });
    } else {
      const points = series.values
        .map((v, i) => (v === null ? null : `${(PAD.left + i * slot + slot / 2).toFixed(1)},${y(v).toFixed(1)}`))
        .filter((p): p is string => p !== null);
      if (points.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    }
    parts.push(`<rect x="${PAD.left + s * 110}" y="${HEIGHT - 14}" width="10" height="10" fill="${color}"/><text x="${PAD.left + s * 110 + 14}" y="${HEIGHT - 5}" font-size="11" font-family="sans-serif">${escapeXml(series.name)}</text>`);
  });
  const every = Math.max(1, Math.ceil(chart.labels.length / 12));
  chart.labels.forEach((label, i) => {
    if (i % every !== 0) return;
    parts.push(`<text x="${(PAD.left + i * slot + slot / 2).toFixed(1)}" y="${PAD.top + plotH + 14}" font-size="10" text-anchor="middle" font-family="sans-serif">${escapeXml(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

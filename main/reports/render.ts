import type { Criterion, ReportDocument, Section, Table } from './document.js';
import { chartSvg, escapeXml } from './svg.js';

const STATUS_MARK: Record<Criterion['status'], string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', 'no data': 'NO DATA' };

function cell(value: string | number | null): string {
  return value === null ? '—' : String(value);
}

function markdownTable(table: Table): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${table.headers.map(escape).join(' | ')} |`, `| ${table.headers.map(() => '---').join(' | ')} |`];
  for (const row of table.rows) lines.push(`| ${row.map((v) => escape(cell(v))).join(' | ')} |`);
  return table.rows.length === 0 ? '_none_' : lines.join('\n');
}

function criteriaTable(criteria: Criterion[]): Table {
  return { headers: ['criterion', 'target', 'actual', 'result', 'note'], rows: criteria.map((c) => [c.name, c.target, c.actual, STATUS_MARK[c.status], c.note ?? '']) };
}

function periodLine(doc: ReportDocument): string {
  return `Period: ${doc.period.since ?? 'all time'} → ${doc.period.until} · generated ${doc.generatedAt}`;
}

export function renderMarkdown(doc: ReportDocument): string {
  const out = [`# ${doc.title}`, '', periodLine(doc), '', `**${doc.headline}**`, ''];
  for (const section of doc.sections) {
    out.push(`## ${section.heading}`, '');
    for (const p of section.paragraphs ?? []) out.push(p, '');
    if (section.criteria) out.push(markdownTable(criteriaTable(section.criteria)), '');
    if (section.table) out.push(markdownTable(section.table), '');
    if (section.chart) {
      const c = section.chart;
      out.push(markdownTable({ headers: [c.title, ...c.series.map((s) => s.name)], rows: c.labels.map((label, i) => [label, ...c.series.map((s) => (s.values[i] === null || s.values[i] === undefined ? null : Number(s.values[i]!.toFixed(3))))]) }), '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function htmlTable(table: Table, statusColumn = -1): string {
  if (table.rows.length === 0) return '<p><em>none</em></p>';
  const head = `<tr>${table.headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((row) => `<tr>${row.map((v, i) => `<td${i === statusColumn ? ` class="${escapeXml(String(v)).toLowerCase().replace(' ', '-')}"` : ''}>${escapeXml(cell(v))}</td>`).join('')}</tr>`)
    .join('');
  return `<table>${head}${body}</table>`;
}

function htmlSection(section: Section): string {
  const parts = [`<h2>${escapeXml(section.heading)}</h2>`];
  for (const p of section.paragraphs ?? []) parts.push(`<p>${escapeXml(p)}</p>`);
  if (section.criteria) parts.push(htmlTable(criteriaTable(section.criteria), 3));
  if (section.table) parts.push(htmlTable(section.table));
  if (section.chart) parts.push(`<figure>${chartSvg(section.chart)}</figure>`);
  return parts.join('\n');
}

/** One self-contained file: inline CSS and SVG, no script, no external asset. */
export function renderHtml(doc: ReportDocument): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(doc.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#111}
table{border-collapse:collapse;margin:0.5rem 0 1rem}th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;text-align:left;font-size:0.9rem}
th{background:#f3f4f6}.pass{background:#dcfce7}.fail{background:#fee2e2}.no-data{background:#f3f4f6;font-style:italic}
.headline{font-size:1.1rem;font-weight:600}figure{margin:0}
</style></head><body>
<h1>${escapeXml(doc.title)}</h1>
<p>${escapeXml(periodLine(doc))}</p>
<p class="headline">${escapeXml(doc.headline)}</p>
${doc.sections.map(htmlSection).join('\n')}
</body></html>
`;
}

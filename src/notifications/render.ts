/**
 * One layout for every message, as plain text and as HTML (inline styles: mail clients drop style
 * sheets): what happened, to which account, what the system does next, what the reader can do, the
 * links; a proposal is shown as the advisor page shows it (src/api/page.ts: reasons, the legs with
 * side, quantity, estimated price and amount and why, the totals and the tax estimate). Every value
 * is escaped in the HTML.
 */
import { DateTime } from 'luxon';
import type { z } from 'zod';
import type { Proposal } from '../api/schemas';
import { dec } from '../domain/money';
import type { Email } from './outbox';

export type ProposalView = z.infer<typeof Proposal>;

export interface Link {
  label: string;
  url: string;
}

export interface Table {
  head: string[];
  rows: string[][];
  /** Columns (by index) that hold numbers: right-aligned. */
  numeric?: number[];
}

export interface MessageParts {
  subject: string;
  /** What happened, one or two sentences. */
  what: string;
  /** What the system will do next. */
  next: string;
  /** What the reader can do. */
  youCan: string[];
  links: Link[];
  proposal?: ProposalView;
  table?: Table;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `$12,345.67` from a decimal string (never through a JS number). */
export function usd(s: string): string {
  const fixed = dec(s).abs().toFixed(2);
  const [int, frac] = fixed.split('.');
  const sign = dec(s).isNegative() && !dec(s).isZero() ? '-' : '';
  return `${sign}$${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/** `Tue Dec 1, 11:45 AM ET` */
export function etTime(iso: string): string {
  return `${DateTime.fromISO(iso, { zone: 'utc' }).setZone('America/New_York').toFormat('ccc LLL d, h:mm a')} ET`;
}

function reasonText(r: { code: string | null; message: string }): string {
  return r.code && !r.message.startsWith(r.code) ? `${r.code}: ${r.message}` : r.message;
}

function proposalTotals(p: ProposalView): string {
  let t = `Sells ${usd(p.sellNotional)} · buys ${usd(p.buyNotional)}`;
  if (p.taxEstimate) {
    t += ` · realised gains: short-term ${usd(p.taxEstimate.realizedShortTerm)}, long-term ${usd(p.taxEstimate.realizedLongTerm)}`;
    if (p.taxEstimate.estimatedTax !== null) t += ` · estimated tax ${usd(p.taxEstimate.estimatedTax)}`;
  }
  return t;
}

const LEG_HEAD = ['#', 'Side', 'Symbol', 'Quantity', 'Est. price', 'Est. amount', 'Why'];

function legRows(p: ProposalView): string[][] {
  return p.legs.map((l) => [
    String(l.legNo),
    l.side,
    l.symbol,
    l.qty,
    usd(l.estPrice),
    usd(l.estNotional),
    l.reasons.map((r) => r.message).join('; '),
  ]);
}

function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (t.numeric?.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(t.head), ...t.rows.map(line)].join('\n');
}

export function renderText(m: MessageParts): string {
  const out = [m.what, ''];
  if (m.proposal) {
    const p = m.proposal;
    out.push(
      `${p.accountId} · ${p.accountName} — proposal ${p.id} (version ${p.version}), ${p.taxStatus}, trade date ${p.tradeDate}`,
      `Decide by ${etTime(p.deadline)}`,
      ...p.reasons.map((r) => `- ${reasonText(r)}`),
      '',
      textTable({
        head: LEG_HEAD.slice(0, 6),
        rows: legRows(p).map((r) => r.slice(0, 6)),
        numeric: [0, 3, 4, 5],
      }),
      proposalTotals(p),
      '',
    );
  }
  if (m.table) out.push(textTable(m.table), '');
  out.push(`What happens next: ${m.next}`, '');
  if (m.youCan.length) out.push('What you can do:', ...m.youCan.map((y) => `- ${y}`), '');
  for (const l of m.links) out.push(`${l.label}: ${l.url}`);
  out.push('', '— Zoe daily trading (this message was sent automatically)');
  return `${out.join('\n')}\n`;
}

const CELL = 'text-align:left;padding:5px 8px;border-bottom:1px solid #e6e9ef;vertical-align:top';
const NUM = `${CELL};text-align:right;font-variant-numeric:tabular-nums`;

function htmlTable(t: Table, cellStyle?: (row: number, col: number) => string): string {
  const style = (i: number) => (t.numeric?.includes(i) ? NUM : CELL);
  return [
    '<table style="border-collapse:collapse;width:100%;margin:10px 0;font-size:14px">',
    `<thead><tr>${t.head.map((h, i) => `<th style="${style(i)}">${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...t.rows.map(
      (r, ri) =>
        `<tr>${r.map((c, i) => `<td style="${style(i)}${cellStyle?.(ri, i) ?? ''}">${escapeHtml(c)}</td>`).join('')}</tr>`,
    ),
    '</tbody></table>',
  ].join('');
}

function htmlProposal(p: ProposalView): string {
  const sideColour = (row: number, col: number) =>
    col === 1 ? `;font-weight:600;color:${p.legs[row]?.side === 'BUY' ? '#1b7f4b' : '#b3261e'}` : '';
  return [
    `<div class="proposal" data-proposal-id="${escapeHtml(p.id)}" style="background:#fff;border:1px solid #d9dee6;border-radius:8px;padding:16px 20px;margin:16px 0">`,
    `<h2 style="font-size:17px;margin:0 0 4px">${escapeHtml(`${p.accountId} · ${p.accountName}`)}</h2>`,
    `<div style="color:#5b6678;font-size:14px">${escapeHtml(`Proposal ${p.id} (version ${p.version}) · ${p.taxStatus} · trade date ${p.tradeDate}`)}</div>`,
    `<div>Decide by <span style="font-weight:600">${escapeHtml(etTime(p.deadline))}</span></div>`,
    `<ul style="margin:6px 0;padding-left:20px">${p.reasons.map((r) => `<li>${escapeHtml(reasonText(r))}</li>`).join('')}</ul>`,
    htmlTable({ head: LEG_HEAD, rows: legRows(p), numeric: [0, 3, 4, 5] }, sideColour),
    `<div style="color:#5b6678;font-size:14px">${escapeHtml(proposalTotals(p))}</div>`,
    '</div>',
  ].join('');
}

export function renderHtml(m: MessageParts): string {
  const button = (l: Link, primary: boolean) =>
    `<a href="${escapeHtml(l.url)}" style="display:inline-block;margin:4px 8px 4px 0;padding:7px 14px;border-radius:6px;border:1px solid #1f3b5c;text-decoration:none;${primary ? 'background:#1f3b5c;color:#fff' : 'background:#fff;color:#1f3b5c'}">${escapeHtml(l.label)}</a>`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(m.subject)}</title></head>`,
    '<body style="margin:0;background:#f4f6f9;font-family:system-ui,-apple-system,\'Segoe UI\',Roboto,sans-serif;color:#1d2330">',
    `<div style="background:#1f3b5c;color:#fff;padding:12px 24px;font-size:18px;font-weight:600">${escapeHtml(m.subject)}</div>`,
    '<div style="max-width:980px;margin:16px auto;padding:0 16px">',
    `<p style="font-size:15px">${escapeHtml(m.what)}</p>`,
    m.proposal ? htmlProposal(m.proposal) : '',
    m.table ? htmlTable(m.table) : '',
    `<p><strong>What happens next:</strong> ${escapeHtml(m.next)}</p>`,
    m.youCan.length
      ? `<p style="margin-bottom:4px"><strong>What you can do:</strong></p><ul style="margin-top:0">${m.youCan.map((y) => `<li>${escapeHtml(y)}</li>`).join('')}</ul>`
      : '',
    `<p>${m.links.map((l, i) => button(l, i === 0)).join('')}</p>`,
    '<p style="color:#5b6678;font-size:13px">Zoe daily trading · this message was sent automatically.</p>',
    '</div></body></html>',
  ].join('');
}

export function render(m: MessageParts): Email {
  return { subject: m.subject, text: renderText(m), html: renderHtml(m) };
}

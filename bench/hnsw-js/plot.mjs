// Recall/QPS plot as a self-contained SVG (no plotting library is guaranteed here), converted to
// PNG by rsvg-convert or ImageMagick when one of them really works. Run directly, it redraws the
// plot of a curve JSON without measuring again:
//   node bench/hnsw-js/plot.mjs bench/hnsw-js/results/curve-clustered-100000.json
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const W = 940;
const H = 500;
const PAD = { left: 72, right: 340, top: 48, bottom: 56 };
// Colour-blind-safe (Okabe-Ito), in a fixed engine order so colours match across plots.
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * series: [{ name, points: [{ recall, qps, ef }] }]; x = recall (linear), y = QPS (log10).
 * `mark` draws a dashed vertical line at that recall (the issue's 0.95 bar). `notes` are lines
 * printed under the legend (e.g. engines that were unavailable).
 */
export function recallQpsSvg({ title, series, mark = 0.95, notes = [] }) {
  const pts = series.flatMap((s) => s.points);
  const xMin = Math.max(0, Math.floor(Math.min(mark, ...pts.map((p) => p.recall)) * 20) / 20);
  const xMax = 1;
  const yLo = Math.floor(Math.log10(Math.min(...pts.map((p) => p.qps))));
  const yHi = Math.ceil(Math.log10(Math.max(...pts.map((p) => p.qps))));
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const x = (r) => PAD.left + ((r - xMin) / (xMax - xMin)) * pw;
  const y = (q) => PAD.top + ph - ((Math.log10(q) - yLo) / Math.max(1, yHi - yLo)) * ph;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${PAD.left}" y="24" font-size="14" font-weight="bold">${esc(title)}</text>`);
  // Grid and ticks: every 0.05 of recall, every power of ten (and 2x, 5x) of QPS.
  for (let r = xMin; r <= xMax + 1e-9; r += 0.05) {
    out.push(`<line x1="${x(r)}" y1="${PAD.top}" x2="${x(r)}" y2="${PAD.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x(r)}" y="${PAD.top + ph + 16}" text-anchor="middle">${r.toFixed(2)}</text>`);
  }
  for (let e = yLo; e <= yHi; e++) {
    for (const f of [1, 2, 5]) {
      const q = f * 10 ** e;
      if (Math.log10(q) > yHi + 1e-9) continue;
      out.push(`<line x1="${PAD.left}" y1="${y(q)}" x2="${PAD.left + pw}" y2="${y(q)}" stroke="${f === 1 ? '#cccccc' : '#eeeeee'}"/>`);
      out.push(`<text x="${PAD.left - 6}" y="${y(q) + 4}" text-anchor="end">${q >= 1000 ? `${q / 1000}k` : q}</text>`);
    }
  }
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${PAD.left + pw / 2}" y="${H - 16}" text-anchor="middle">recall@10</text>`);
  out.push(`<text transform="translate(18 ${PAD.top + ph / 2}) rotate(-90)" text-anchor="middle">queries per second (1 thread, log scale)</text>`);
  if (mark >= xMin && mark <= xMax) {
    out.push(`<line x1="${x(mark)}" y1="${PAD.top}" x2="${x(mark)}" y2="${PAD.top + ph}" stroke="#888" stroke-dasharray="5 4"/>`);
  }
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const visible = s.points.filter((p) => p.recall >= xMin);
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${visible.map((p) => `${x(p.recall).toFixed(1)},${y(p.qps).toFixed(1)}`).join(' ')}"/>`);
    for (const p of visible) {
      out.push(`<circle cx="${x(p.recall).toFixed(1)}" cy="${y(p.qps).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(`${s.name} ef=${p.ef}: recall ${p.recall.toFixed(4)}, ${p.qps.toFixed(0)} QPS`)}</title></circle>`);
    }
    const ly = PAD.top + 10 + i * 20;
    out.push(`<line x1="${W - PAD.right + 14}" y1="${ly}" x2="${W - PAD.right + 38}" y2="${ly}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${W - PAD.right + 44}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  notes.forEach((n, i) => {
    out.push(`<text x="${W - PAD.right + 14}" y="${PAD.top + 20 + series.length * 20 + i * 16}" font-size="10" fill="#555">${esc(n)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * Writes `svgPath` to `pngPath` with the first converter that works; returns its name, or null
 * when none does (the SVG stays the result). A PNG counts only if it starts with the PNG
 * signature: a stand-in `convert` that prints a message must not pass as ImageMagick.
 */
export function svgToPng(svgPath, pngPath) {
  const tries = [
    ['rsvg-convert', ['-b', 'white', '-o', pngPath, svgPath]],
    ['convert', ['-background', 'white', svgPath, pngPath]],
  ];
  for (const [cmd, args] of tries) {
    // A PNG left by an earlier run must not make a failed conversion look good.
    rmSync(pngPath, { force: true });
    try {
      execFileSync(cmd, args, { stdio: 'ignore' });
      const head = readFileSync(pngPath).subarray(0, 8);
      if (head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return cmd;
    } catch {
      // Not installed, or failed on this SVG: try the next converter.
    }
  }
  return null;
}

/** The plot of a curve.mjs result (its JSON object): available engines as series. */
export function curveSpec({ params: p, results }) {
  return {
    title: `${p.data} ${p.n} x ${p.dim}, M=${p.m} efC=${p.efc}, k=${p.k}, ef ${p.efs[0]}..${p.efs.at(-1)}`,
    series: results.filter((r) => r.available).map((r) => ({ name: `${r.engine} ${r.version ?? ''}`.trim(), points: r.rows })),
    notes: results.filter((r) => !r.available).map((r) => `${r.engine}: unavailable`),
  };
}

/** Writes the SVG, and the PNG when a converter exists; returns the PNG converter or null. */
export function writePlot(svgPath, pngPath, spec) {
  writeFileSync(svgPath, recallQpsSvg(spec));
  return pngPath ? svgToPng(svgPath, pngPath) : null;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const json = process.argv[2];
  if (!json?.endsWith('.json')) throw new Error('usage: node plot.mjs results/curve-<data>-<n>.json');
  const stem = json.slice(0, -'.json'.length);
  const converter = writePlot(`${stem}.svg`, `${stem}.png`, curveSpec(JSON.parse(readFileSync(json, 'utf8'))));
  console.log(`wrote ${stem}.svg${converter ? `, ${stem}.png (${converter})` : ''}`);
}
